/**
 * An in-memory SandboxClient: containers are stdio streams plus a state, and a test
 * decides what the "harness" does with the request. Records every call, so tests can
 * assert that each container was removed on every path.
 */
import { PassThrough } from 'node:stream';
import type { AttachedStdio, ContainerSpec, ContainerState, SandboxClient } from '../../src/sandbox/docker/client.js';

export class FakeContainer {
  readonly stdin = new PassThrough();
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  running = false;
  removed = false;
  oomKilled = false;
  exitCode: number | null = null;
  archives: { tar: Buffer; path: string }[] = [];
  private resolveExit!: () => void;
  readonly exited = new Promise<void>((resolve) => {
    this.resolveExit = resolve;
  });

  constructor(readonly id: string, readonly spec: ContainerSpec) {}

  /** The process ends: streams close, wait() resolves. */
  exit(code: number): void {
    if (!this.running) return;
    this.running = false;
    this.exitCode = code;
    this.stdout.end();
    this.stderr.end();
    this.resolveExit();
  }
}

export interface FakeBehaviour {
  /** What the harness does once its request (all of stdin) has arrived. */
  onRequest?: (container: FakeContainer, request: string) => void;
  startError?: Error;
  putArchiveError?: Error;
}

export class FakeSandboxClient implements SandboxClient {
  readonly containers: FakeContainer[] = [];
  readonly calls: string[] = [];
  private next = 0;

  constructor(public behaviour: FakeBehaviour = {}) {}

  get live(): FakeContainer[] {
    return this.containers.filter((c) => !c.removed);
  }

  private find(id: string): FakeContainer {
    const found = this.containers.find((c) => c.id === id && !c.removed);
    if (!found) throw Object.assign(new Error(`no such container: ${id}`), { statusCode: 404 });
    return found;
  }

  async ping(): Promise<void> {
    this.calls.push('ping');
  }

  async imageExists(): Promise<boolean> {
    return true;
  }

  async create(spec: ContainerSpec): Promise<string> {
    const container = new FakeContainer(`fake${String(this.next++).padStart(60, '0')}`, spec);
    this.containers.push(container);
    this.calls.push(`create ${container.id.slice(-4)}`);
    return container.id;
  }

  async attach(id: string): Promise<AttachedStdio> {
    const container = this.find(id);
    let request = '';
    container.stdin.on('data', (chunk: Buffer) => {
      request += chunk.toString('utf8');
    });
    container.stdin.on('end', () => this.behaviour.onRequest?.(container, request));
    return { stdin: container.stdin, stdout: container.stdout, stderr: container.stderr };
  }

  async start(id: string): Promise<void> {
    this.calls.push(`start ${id.slice(-4)}`);
    if (this.behaviour.startError) throw this.behaviour.startError;
    this.find(id).running = true;
  }

  async putArchive(id: string, tar: Buffer, path: string): Promise<void> {
    this.calls.push(`put ${id.slice(-4)}`);
    if (this.behaviour.putArchiveError) throw this.behaviour.putArchiveError;
    this.find(id).archives.push({ tar, path });
  }

  async wait(id: string): Promise<void> {
    await this.find(id).exited;
  }

  async inspect(id: string): Promise<ContainerState> {
    const c = this.find(id);
    return { running: c.running, exitCode: c.exitCode, oomKilled: c.oomKilled, error: '' };
  }

  async kill(id: string): Promise<void> {
    this.calls.push(`kill ${id.slice(-4)}`);
    this.find(id).exit(137);
  }

  async remove(id: string): Promise<void> {
    this.calls.push(`remove ${id.slice(-4)}`);
    const c = this.containers.find((x) => x.id === id);
    if (!c || c.removed) return;
    c.exit(137);
    c.removed = true;
  }

  async listByLabels(labels: Record<string, string>): Promise<string[]> {
    return this.live
      .filter((c) => Object.entries(labels).every(([k, v]) => c.spec.Labels?.[k] === v))
      .map((c) => c.id);
  }
}
