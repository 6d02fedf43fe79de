/**
 * The few Docker Engine operations the sandbox needs, behind one small interface
 * (STYLE.md practice 7), so the run steps can be tested with a fake and the engine
 * client can change without touching them.
 */
import { PassThrough, type Readable, type Writable } from 'node:stream';
import Docker from 'dockerode';
import { PlatformError } from '../../errors.js';
import type { Logger } from '../../logger.js';

export type ContainerSpec = Docker.ContainerCreateOptions;

/** The container's stdio while it runs: stdin to write the request, the two outputs to read. */
export interface AttachedStdio {
  stdin: Writable;
  stdout: Readable;
  stderr: Readable;
}

export interface ContainerState {
  running: boolean;
  exitCode: number | null;
  /** The engine saw the memory cgroup kill a process of this container. */
  oomKilled: boolean;
  /** The engine's own error for this container (e.g. why it could not start). */
  error: string;
}

export interface SandboxClient {
  ping(): Promise<void>;
  imageExists(image: string): Promise<boolean>;
  /** Returns the new container's id. */
  create(spec: ContainerSpec): Promise<string>;
  /** Attach before start, so no output is missed. */
  attach(id: string): Promise<AttachedStdio>;
  start(id: string): Promise<void>;
  /** Extracts a tar archive into `path` inside the container. */
  putArchive(id: string, tar: Buffer, path: string): Promise<void>;
  /** Resolves when the container has stopped. */
  wait(id: string): Promise<void>;
  inspect(id: string): Promise<ContainerState>;
  /** SIGKILL; a container that already stopped is not an error. */
  kill(id: string): Promise<void>;
  /** Force-removes the container and its anonymous volumes; one that is gone is not an error. */
  remove(id: string): Promise<void>;
  /** Ids of all containers (running or not) that carry every given label. */
  listByLabels(labels: Record<string, string>): Promise<string[]>;
}

/** dockerode errors carry the HTTP status of the engine's answer. */
export function engineStatus(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

export function engineMessage(error: unknown): string {
  const json = (error as { json?: { message?: unknown } } | null)?.json;
  if (json && typeof json.message === 'string') return json.message;
  return error instanceof Error ? error.message : String(error);
}

export class DockerSandboxClient implements SandboxClient {
  private readonly docker: Docker;

  constructor(
    readonly socketPath: string,
    private readonly log: Logger,
  ) {
    this.docker = new Docker({ socketPath });
  }

  async ping(): Promise<void> {
    await this.docker.ping();
  }

  async imageExists(image: string): Promise<boolean> {
    try {
      await this.docker.getImage(image).inspect();
      return true;
    } catch (e) {
      if (engineStatus(e) === 404) return false;
      throw e;
    }
  }

  async create(spec: ContainerSpec): Promise<string> {
    this.log.debug({ image: spec.Image, labels: spec.Labels }, 'docker create');
    const container = await this.docker.createContainer(spec);
    this.log.debug({ container: short(container.id) }, 'docker created');
    return container.id;
  }

  async attach(id: string): Promise<AttachedStdio> {
    const stream = (await this.docker.getContainer(id).attach({
      stream: true, stdin: true, stdout: true, stderr: true, hijack: true,
    })) as NodeJS.ReadWriteStream & Writable & Readable;
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    this.docker.modem.demuxStream(stream, stdout, stderr);
    const finish = () => {
      stdout.end();
      stderr.end();
    };
    stream.on('end', finish);
    stream.on('close', finish);
    stream.on('error', (e: Error) => {
      this.log.debug({ container: short(id), err: e }, 'docker attach stream error');
      finish();
    });
    return { stdin: stream, stdout, stderr };
  }

  async start(id: string): Promise<void> {
    this.log.debug({ container: short(id) }, 'docker start');
    await this.docker.getContainer(id).start();
  }

  async putArchive(id: string, tar: Buffer, path: string): Promise<void> {
    this.log.debug({ container: short(id), bytes: tar.length, path }, 'docker put archive');
    await this.docker.getContainer(id).putArchive(tar, { path });
  }

  async wait(id: string): Promise<void> {
    await this.docker.getContainer(id).wait();
  }

  async inspect(id: string): Promise<ContainerState> {
    const info = await this.docker.getContainer(id).inspect();
    const state = info.State;
    return {
      running: state.Running,
      exitCode: state.Running ? null : state.ExitCode,
      oomKilled: state.OOMKilled,
      error: state.Error ?? '',
    };
  }

  async kill(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).kill({ signal: 'SIGKILL' });
      this.log.debug({ container: short(id) }, 'docker killed');
    } catch (e) {
      // 409: not running (it ended on its own meanwhile); 404: already removed.
      if (engineStatus(e) === 409 || engineStatus(e) === 404) return;
      throw e;
    }
  }

  async remove(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).remove({ force: true, v: true });
      this.log.debug({ container: short(id) }, 'docker removed');
    } catch (e) {
      if (engineStatus(e) === 404) return;
      // 409 "removal already in progress": another path is removing it.
      if (engineStatus(e) === 409 && /already in progress/i.test(engineMessage(e))) return;
      throw new PlatformError('DOCKER_REMOVE_FAILED', `could not remove sandbox container ${short(id)}: ${engineMessage(e)}`, { cause: e });
    }
  }

  async listByLabels(labels: Record<string, string>): Promise<string[]> {
    const filters = { label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) };
    const containers = await this.docker.listContainers({ all: true, filters });
    return containers.map((c) => c.Id);
  }
}

export function short(id: string): string {
  return id.slice(0, 12);
}
