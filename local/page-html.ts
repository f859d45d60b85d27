/**
 * What the sandbox's hosted pages share (card-pages.ts, checkout-pages.ts): the page around
 * a body, text made safe to write into it, and the answers a page's route gives.
 */

export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} (sandbox)</title></head>
<body><h1>${escapeHtml(title)}</h1>
${body}
</body></html>
`;
}

/** A page that says what an action came to. */
export function resultPage(title: string, text: string): string {
  return page(title, `<p>${escapeHtml(text)}</p>`);
}

/** Ids, partner ids and descriptions come from requests: never written into a page as markup. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

export function html(status: number, body: string): Response {
  return new Response(body, { status, headers: { 'content-type': 'text/html; charset=utf-8' } });
}

export function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}
