/**
 * The install steps of docs/ros.md that CI executes: every ```bash block right after a `<!-- ci-step: name -->`
 * line, in document order. Running them (instead of a copy) is what keeps the doc true.
 */
import * as fs from 'node:fs';

export interface DocStep {
  readonly name: string;
  readonly script: string;
}

const MARKER = /^\s*<!-- ci-step: (.+?) -->\s*$/;

export function readDocSteps(markdownFile: string): DocStep[] {
  const lines = fs.readFileSync(markdownFile, 'utf8').split('\n');
  const steps: DocStep[] = [];
  for (let i = 0; i < lines.length; i++) {
    const marker = MARKER.exec(lines[i] ?? '');
    if (marker === null) continue;
    const fence = lines[i + 1] ?? '';
    if (fence.trim() !== '```bash')
      throw new Error(`${markdownFile}:${i + 2}: a ci-step marker must be followed by \`\`\`bash`);
    const indent = fence.length - fence.trimStart().length;
    const body: string[] = [];
    let j = i + 2;
    for (; j < lines.length && (lines[j] ?? '').trim() !== '```'; j++) body.push((lines[j] ?? '').slice(indent));
    if (j === lines.length) throw new Error(`${markdownFile}:${i + 2}: unterminated bash block of step '${marker[1]}'`);
    steps.push({ name: marker[1] ?? '', script: body.join('\n') });
    i = j;
  }
  return steps;
}
