/** `count` and the noun in the matching number: "1 topic", "0 topics", "3 frames". */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}
