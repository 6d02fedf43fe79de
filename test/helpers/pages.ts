/**
 * Signing in to the pages over plain HTTP (no browser), and notebooks that try to run
 * script in the pages, for the pages' integration and browser tests.
 */

export interface PageSession {
  /** The Cookie header a signed-in browser would send. */
  cookie: string;
  /** The session's CSRF token as the pages put it in forms. */
  csrf: string;
}

function cookiesOf(response: Response): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of response.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const eq = pair!.indexOf('=');
    out[pair!.slice(0, eq)] = decodeURIComponent(pair!.slice(eq + 1));
  }
  return out;
}

export function hiddenCsrf(page: string): string {
  const match = /name="_csrf" value="([^"]*)"/.exec(page);
  if (match === null) throw new Error(`no _csrf field in the page:\n${page.slice(0, 2000)}`);
  return match[1]!;
}

/** Signs in with `token` as the sign-in form does; returns the session cookie and CSRF token. */
export async function signIn(baseUrl: string, token: string): Promise<PageSession> {
  const form = await fetch(`${baseUrl}/sign-in`);
  const login = cookiesOf(form).ag_login!;
  const answer = await fetch(`${baseUrl}/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: `ag_login=${login}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: hiddenCsrf(await form.text()), token }).toString(),
  });
  if (answer.status !== 303) throw new Error(`sign-in answered ${answer.status}: ${await answer.text()}`);
  const cookie = `ag_session=${cookiesOf(answer).ag_session}`;
  const home = await fetch(`${baseUrl}/`, { headers: { cookie } });
  // Any page carries the session's CSRF token in its sign-out form.
  return { cookie, csrf: hiddenCsrf(await home.text()) };
}

export async function getPage(baseUrl: string, path: string, session?: PageSession): Promise<{ status: number; headers: Headers; text: string }> {
  const response = await fetch(`${baseUrl}${path}`, { redirect: 'manual', headers: session === undefined ? {} : { cookie: session.cookie } });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/**
 * A notebook whose Markdown and outputs try every way we know to run script or leave
 * the page: each attempt would set `window.__pwned` (or open a dialog) if it ran.
 */
export function hostileNotebookBytes(): Buffer {
  const pwn = (n: number) => `window.__pwned=${n}`;
  const notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [
      {
        cell_type: 'markdown',
        id: 'md-attack',
        metadata: {},
        source: [
          '# Hostile notebook\n',
          `<script>${pwn(1)}</script>\n\n`,
          `[click me](javascript:${pwn(2)})\n\n`,
          `<img src="x" onerror="${pwn(3)};alert(3)">\n\n`,
          '<iframe src="javascript:alert(4)"></iframe>\n',
        ],
      },
      {
        cell_type: 'code',
        id: 'code-attack',
        metadata: {},
        execution_count: 1,
        source: 'print("hello")',
        outputs: [
          {
            output_type: 'display_data',
            metadata: {},
            data: {
              'text/html': `<b class="safe-bold">bold</b><script>${pwn(5)};alert(5)</script><a href="javascript:${pwn(6)}" id="js-link">link</a><img src="x" onerror="${pwn(7)}"><form action="https://example.invalid"><button>go</button></form><style>body{display:none}</style>`,
              'text/plain': '<HTML object>',
            },
          },
          {
            output_type: 'display_data',
            metadata: {},
            data: { 'image/svg+xml': `<svg xmlns="http://www.w3.org/2000/svg"><script>${pwn(8)}</script><circle r="5"/></svg>` },
          },
          { output_type: 'execute_result', execution_count: 1, metadata: {}, data: { 'text/plain': `<script>${pwn(9)}</script>` } },
          { output_type: 'stream', name: 'stdout', text: `${'flood '.repeat(200_000)}\n` },
          { output_type: 'error', ename: 'ValueError', evalue: '<script>x</script>', traceback: [`\u001b[31mValueError\u001b[0m: <img src=x onerror="${pwn(10)}">`] },
        ],
      },
    ],
  };
  return Buffer.from(JSON.stringify(notebook));
}
