/**
 * A notebook's cells as inert HTML: Markdown through markdown-it with raw HTML off and
 * then sanitize-html; code escaped; outputs by MIME type (text escaped, PNG/JPEG/SVG as
 * `data:` images, HTML sanitised, scripts and `javascript:` links gone), every text
 * capped so a flood of output cannot make the page huge. Feedback for a cell is placed
 * beside it (`asides`).
 */
import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';
import { joinSource, type Cell, type Notebook, type Output } from '../notebook/schema.js';
import { html, trusted, type Html } from './html.js';

/** Characters kept of one text (a stream, a traceback, an HTML table). */
export const MAX_OUTPUT_CHARS = 20_000;
/** Base64 characters kept of one image (about 1.5 MB decoded). */
export const MAX_IMAGE_CHARS = 2_000_000;
/** Outputs shown per cell; the rest are counted. */
export const MAX_OUTPUTS_PER_CELL = 20;

const markdown = new MarkdownIt({ html: false, linkify: false, typographer: false });

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: [
    ...sanitizeHtml.defaults.allowedTags,
    'img', 'del', 's', 'sub', 'sup', 'span',
  ],
  allowedAttributes: {
    a: ['href', 'title', 'rel', 'target'],
    img: ['src', 'alt', 'title', 'width', 'height'],
    th: ['colspan', 'rowspan'],
    td: ['colspan', 'rowspan'],
    ol: ['start'],
    code: ['class'],
  },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['data'] },
  allowedSchemesAppliedToAttributes: ['href', 'src'],
  allowProtocolRelative: false,
  // Dropped with their content, not just unwrapped.
  nonTextTags: ['script', 'style', 'textarea', 'noscript', 'iframe', 'object', 'embed', 'template'],
  exclusiveFilter: (frame) => frame.tag === 'img' && !frame.attribs.src,
  transformTags: {
    // Links in a student's notebook leave the grader in a new, unprivileged context.
    a: sanitizeHtml.simpleTransform('a', { rel: 'noopener noreferrer nofollow', target: '_blank' }),
    // Only embedded images: a relative or remote src would fetch on the reader's behalf.
    img: (tagName, attribs) => {
      const { src, ...rest } = attribs;
      return { tagName, attribs: typeof src === 'string' && /^data:image\/(png|jpeg|gif);/i.test(src.trim()) ? { ...rest, src } : rest };
    },
  },
};

export function sanitize(markup: string): Html {
  return trusted(sanitizeHtml(markup, SANITIZE));
}

export function renderMarkdown(source: string): Html {
  return sanitize(markdown.render(cap(source).text));
}

function cap(text: string, max = MAX_OUTPUT_CHARS): { text: string; dropped: number } {
  return text.length <= max ? { text, dropped: 0 } : { text: text.slice(0, max), dropped: text.length - max };
}

function truncatedNote(dropped: number): Html | string {
  return dropped > 0 ? html`<p class="truncated">… ${dropped.toLocaleString('en')} more characters not shown</p>` : '';
}

function preText(text: string): Html {
  const { text: kept, dropped } = cap(text);
  return html`<pre>${kept}</pre>${truncatedNote(dropped)}`;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;
const BASE64 = /^[A-Za-z0-9+/=\s]*$/;

function mimeText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.join('');
  return undefined;
}

function imageData(mime: string, value: unknown): Html | undefined {
  const data = mimeText(value);
  if (data === undefined) return undefined;
  if (mime === 'image/svg+xml') {
    // As an <img>, an SVG's scripts never run and its links cannot be followed.
    const encoded = Buffer.from(data, 'utf8').toString('base64');
    if (encoded.length > MAX_IMAGE_CHARS) return html`<p class="truncated">(an SVG image too large to show)</p>`;
    return html`<img alt="SVG output" src="data:image/svg+xml;base64,${encoded}">`;
  }
  const compact = data.replace(/\s+/g, '');
  if (!BASE64.test(compact)) return html`<p class="truncated">(an image that is not valid base64)</p>`;
  if (compact.length > MAX_IMAGE_CHARS) return html`<p class="truncated">(an image too large to show)</p>`;
  return html`<img alt="output image" src="data:${mime};base64,${compact}">`;
}

function renderRich(data: Record<string, unknown>): Html {
  for (const mime of ['image/png', 'image/jpeg', 'image/gif', 'image/svg+xml']) {
    if (data[mime] !== undefined) {
      const image = imageData(mime, data[mime]);
      if (image !== undefined) return image;
    }
  }
  const htmlText = mimeText(data['text/html']);
  if (htmlText !== undefined) {
    const { text, dropped } = cap(htmlText);
    return html`<div class="html-output">${sanitize(text)}</div>${truncatedNote(dropped)}`;
  }
  const md = mimeText(data['text/markdown']);
  if (md !== undefined) return html`<div class="markdown">${renderMarkdown(md)}</div>`;
  const plain = mimeText(data['text/plain']);
  if (plain !== undefined) return preText(plain);
  const kinds = Object.keys(data).join(', ');
  return html`<p class="truncated">(output of type ${kinds} is not shown here)</p>`;
}

export function renderOutput(output: Output): Html {
  switch (output.output_type) {
    case 'stream':
      return html`<div class="output output-${output.name === 'stderr' ? 'stderr' : 'stream'}">${preText(joinSource(output.text))}</div>`;
    case 'display_data':
    case 'execute_result':
      return html`<div class="output">${renderRich(output.data)}</div>`;
    case 'error': {
      const trace = (output.traceback ?? []).join('\n').replace(ANSI, '');
      return html`<div class="output output-error">${preText(trace === '' ? `${output.ename}: ${output.evalue}` : trace)}</div>`;
    }
  }
}

export function renderCell(cell: Cell, index: number): Html {
  const label = html`<div class="cell-index">Cell ${index + 1} · ${cell.cell_type}</div>`;
  const source = joinSource(cell.source);
  if (cell.cell_type === 'markdown') return html`<div class="cell cell-markdown">${label}<div class="markdown">${renderMarkdown(source)}</div></div>`;
  if (cell.cell_type === 'raw') return html`<div class="cell cell-raw">${label}${preText(source)}</div>`;
  const shown = cell.outputs.slice(0, MAX_OUTPUTS_PER_CELL);
  const more = cell.outputs.length - shown.length;
  return html`<div class="cell cell-code">${label}${preText(source)}${shown.map(renderOutput)}${
    more > 0 ? html`<p class="truncated">… ${more} more outputs not shown</p>` : ''
  }</div>`;
}

/** Every cell, each in a row with what `asides` holds for it (feedback) beside it. */
export function renderNotebook(notebook: Notebook, asides: ReadonlyMap<number, Html>): Html {
  return html`<div class="notebook">${notebook.cells.map(
    (cell, i) => html`<div class="notebook-row" id="cell-${i + 1}">${renderCell(cell as Cell, i)}<aside class="cell-feedback">${asides.get(i) ?? ''}</aside></div>`,
  )}</div>`;
}
