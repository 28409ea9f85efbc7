/** The self-contained HTML report: plain data in (reportData), one page out; no platform or image code. */
export { escapeHtml, renderReportHtml } from './renderReportHtml';
export type { ReportCell, ReportData, ReportItem, ReportScore, ReportSection } from './reportData';
export { histogramBins, throughputSeries } from './reportStats';
export { ItemSampler } from './ItemSampler';
