import type { ReportCell, ReportData, ReportItem, ReportSection } from './reportData';

/** Everything that reaches the page from bags, files, labels or the model goes through here. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const CSS = `
body{font-family:system-ui,-apple-system,"DejaVu Sans",sans-serif;margin:0 auto;max-width:1100px;padding:16px;color:#1f2328;background:#fff}
h1{font-size:22px;margin:4px 0 12px}h2{font-size:17px;margin:22px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
.banner{padding:10px 14px;margin:8px 0;border-radius:6px;font-weight:600;color:#fff}
.banner.synthetic{background:#b35900}.banner.emulator{background:#6f42c1}
table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #d0d7de;padding:3px 8px;text-align:left}
th{background:#f6f8fa}td.num{text-align:right;font-variant-numeric:tabular-nums}
.card td:first-child{color:#57606a}.note{color:#57606a;font-size:13px;margin:4px 0 8px}
.items{display:grid;grid-template-columns:repeat(auto-fill,minmax(250px,1fr));gap:10px}
.item{border:1px solid #d0d7de;border-radius:6px;padding:8px;font-size:12px;overflow:hidden}
.item img{display:block;max-width:100%;max-height:160px;margin:0 auto 6px}
.item .name{font-weight:600;word-break:break-all}.item .caption{color:#57606a;margin-bottom:4px}
.item .error{color:#b00020}.item .unknown{color:#b00020;font-weight:600}
.score{position:relative;height:16px;margin:2px 0;background:#eef1f4;border-radius:3px}
.score .bar{position:absolute;left:0;top:0;bottom:0;background:#388bfd;opacity:.45;border-radius:3px}
.score.best .bar{background:#2ea043}.score span{position:relative;padding:0 4px;white-space:nowrap}
svg text{font-size:11px;fill:#57606a}`;

function cell(value: ReportCell): string {
  if (typeof value === 'number') {
    const text = Number.isInteger(value) ? String(value) : value.toFixed(2);
    return `<td class="num">${escapeHtml(text)}</td>`;
  }
  return `<td>${escapeHtml(value)}</td>`;
}

function table(columns: readonly string[], rows: readonly (readonly ReportCell[])[], attrs = ''): string {
  const head = columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const body = rows.map((row) => `<tr>${row.map(cell).join('')}</tr>`).join('');
  return `<table${attrs}><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

function percent(score: number): string {
  return `${(Math.max(0, Math.min(1, Number.isFinite(score) ? score : 0)) * 100).toFixed(1)}%`;
}

function itemHtml(item: ReportItem): string {
  const image =
    item.thumbnailJpeg !== undefined
      ? `<img alt="${escapeHtml(item.name)}" src="data:image/jpeg;base64,${Buffer.from(item.thumbnailJpeg).toString('base64')}">`
      : '';
  const caption = item.caption !== undefined ? `<div class="caption">${escapeHtml(item.caption)}</div>` : '';
  let body: string;
  if (item.error !== undefined) body = `<div class="error">${escapeHtml(item.error)}</div>`;
  else {
    body =
      (item.unknown ? '<div class="unknown">unknown (best score below the threshold)</div>' : '') +
      item.topK
        .slice(0, 5)
        .map(
          (s, rank) =>
            `<div class="score${rank === 0 ? ' best' : ''}"><div class="bar" style="width:${percent(s.score)}"></div>` +
            `<span>${percent(s.score)} ${escapeHtml(s.label)} (${s.classId})</span></div>`,
        )
        .join('');
  }
  return `<div class="item">${image}<div class="name">${escapeHtml(item.name)}</div>${caption}${body}</div>`;
}

const CHART = { width: 640, height: 180, left: 48, bottom: 28, top: 8, right: 8 } as const;

function niceNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** Axes and labels shared by the two charts; `plot` draws inside the frame with the given scales. */
function chart(
  title: string,
  xRange: [number, number],
  yMax: number,
  xLabel: string,
  yLabel: string,
  plot: (x: (v: number) => number, y: (v: number) => number) => string,
): string {
  const { width, height, left, bottom, top, right } = CHART;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const span = xRange[1] - xRange[0] || 1;
  const x = (v: number): number => left + ((v - xRange[0]) / span) * plotW;
  const y = (v: number): number => top + plotH - (yMax > 0 ? (v / yMax) * plotH : 0);
  return (
    `<svg role="img" aria-label="${escapeHtml(title)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" xmlns="http://www.w3.org/2000/svg">` +
    `<line x1="${left}" y1="${top + plotH}" x2="${width - right}" y2="${top + plotH}" stroke="#8c959f"/>` +
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}" stroke="#8c959f"/>` +
    plot(x, y) +
    `<text x="${left - 4}" y="${top + 10}" text-anchor="end">${niceNumber(yMax)}</text>` +
    `<text x="${left - 4}" y="${top + plotH}" text-anchor="end">0</text>` +
    `<text x="${left}" y="${height - 14}">${niceNumber(xRange[0])}</text>` +
    `<text x="${width - right}" y="${height - 14}" text-anchor="end">${niceNumber(xRange[1])}</text>` +
    `<text x="${left + plotW / 2}" y="${height - 2}" text-anchor="middle">${escapeHtml(xLabel)}</text>` +
    `<text x="4" y="${top + plotH / 2}">${escapeHtml(yLabel)}</text></svg>`
  );
}

function sectionHtml(section: ReportSection): string {
  const title = `<h2>${escapeHtml(section.title)}</h2>`;
  switch (section.kind) {
    case 'items': {
      const note =
        section.total > section.items.length
          ? `<p class="note" id="sampled">Showing ${section.items.length} of ${section.total} (evenly sampled; the report keeps its size bounded).</p>`
          : `<p class="note">${section.total} in all.</p>`;
      return `<section>${title}${note}<div class="items">${section.items.map(itemHtml).join('')}</div></section>`;
    }
    case 'table': {
      const id = section.id !== undefined ? ` id="${escapeHtml(section.id)}"` : '';
      if (section.rows.length === 0)
        return `<section>${title}<p class="note"${id}>${escapeHtml(section.empty ?? 'none')}</p></section>`;
      return `<section>${title}${table(section.columns, section.rows, id)}</section>`;
    }
    case 'histogram': {
      const bins = section.bins;
      const maxCount = Math.max(0, ...bins.map((b) => b.count));
      const from = bins[0]?.from ?? 0;
      const to = bins.at(-1)?.to ?? 1;
      const svg = chart(section.title, [from, to], maxCount, section.unit, 'count', (x, y) =>
        bins
          .map(
            (b) =>
              `<rect x="${x(b.from).toFixed(1)}" y="${y(b.count).toFixed(1)}" width="${Math.max(1, x(b.to) - x(b.from) - 1).toFixed(1)}" ` +
              `height="${(y(0) - y(b.count)).toFixed(1)}" fill="#388bfd"><title>${niceNumber(b.from)}–${niceNumber(b.to)} ${escapeHtml(section.unit)}: ${b.count}</title></rect>`,
          )
          .join(''),
      );
      const percentiles = table(
        section.percentiles.map((p) => p.label),
        [section.percentiles.map((p) => p.value)],
      );
      return `<section>${title}${bins.length > 0 ? svg : '<p class="note">no values</p>'}${percentiles}</section>`;
    }
    case 'series': {
      const points = section.points;
      if (points.length === 0) return `<section>${title}<p class="note">no values</p></section>`;
      const xs = points.map((p) => p.x);
      const yMax = Math.max(0, ...points.map((p) => p.y));
      const svg = chart(
        section.title,
        [Math.min(...xs), Math.max(...xs)],
        yMax,
        section.xLabel,
        section.yLabel,
        (x, y) => {
          const path = points
            .map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.x).toFixed(1)},${y(p.y).toFixed(1)}`)
            .join(' ');
          const dots = points.map(
            (p) => `<circle cx="${x(p.x).toFixed(1)}" cy="${y(p.y).toFixed(1)}" r="2.5" fill="#2ea043"/>`,
          );
          return `<path d="${path}" fill="none" stroke="#2ea043" stroke-width="2"/>${dots.join('')}`;
        },
      );
      return `<section>${title}${svg}</section>`;
    }
    case 'accuracy':
      return `<section>${title}${table(
        ['group', 'images', 'top-1', 'top-5'],
        section.rows.map((r) => [r.name, r.count, percent(r.top1), percent(r.top5)]),
        ' id="accuracy"',
      )}</section>`;
  }
}

/**
 * One self-contained HTML page: inline CSS, charts as inline SVG, thumbnails as data: URIs, no script and no
 * external reference, so it opens offline and in mail. Every text from the data is escaped.
 */
export function renderReportHtml(data: ReportData): string {
  const banners =
    (data.syntheticWeights
      ? '<div class="banner synthetic" id="synthetic-banner">SYNTHETIC WEIGHTS: this model has no pretrained weights, its class labels are not meaningful.</div>'
      : '') +
    (data.emulator
      ? '<div class="banner emulator" id="emulator-banner">BPU EMULATOR: results come from the emulator of the board runtime, not an RDK X5.</div>'
      : '');
  const card = `<section><h2>Model</h2>${table(
    ['field', 'value'],
    data.modelCard.map((e) => [e.key, e.value]),
    ' class="card" id="model-card"',
  )}</section>`;
  return (
    `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">` +
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(data.title)}</title>` +
    `<style>${CSS}</style></head><body><h1>${escapeHtml(data.title)}</h1>` +
    `<p class="note">Generated ${escapeHtml(data.generatedAt)} by edgenext.</p>${banners}${card}` +
    `${data.sections.map(sectionHtml).join('')}</body></html>\n`
  );
}
