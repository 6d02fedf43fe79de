"""One Jupyter kernel, driven synchronously: start, execute under a time limit, interrupt, restart.

Status comes from the kernel's execute_reply, never from what a cell prints. The kernel
writes to /dev/null (or a log file), never to the harness's stdout, and talks to us over
IPC sockets in a private directory (no TCP ports to race for).
"""
import ast
import json
import os
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import zmq
from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpec

POLL_MS = 50
# How long an interrupted execution may take to stop before the kernel is restarted.
INTERRUPT_GRACE_S = 2.0
# The execute_reply (shell) and the final 'idle' status (iopub) travel on different sockets.
IDLE_GRACE_S = 1.0
READY_TIMEOUT_S = 60.0
# What the student prints never needs to reach the harness: an output message larger than
# this drops the iopub connection (zmq reconnects) instead of being held in the harness's
# memory. It leaves room for the largest function result (maxReturnBytes, base64-encoded).
MAX_IOPUB_MESSAGE_BYTES = 16 * 1024 * 1024
IOPUB_RCVHWM = 32
# Output messages above this size are counted from their raw frames, never decoded.
LARGE_OUTPUT_FRAME_BYTES = 256 * 1024
# Messages taken off one socket per poll, so a flood is handled a few at a time.
MAX_MESSAGES_PER_POLL = 16
# A cell printing more than this has flooded its output: it fails with OutputLimitExceeded.
MAX_CELL_OUTPUT_BYTES = 16 * 1024 * 1024
LAUNCHER = Path(__file__).with_name('kernel_launch.py')


class KernelStartError(Exception):
    pass


@dataclass
class LaunchSettings:
    """How to start the kernel process; read from the environment by `from_env`."""
    cwd: str
    runtime_dir: str
    python: str = sys.executable
    prefix: list = field(default_factory=list)
    memory_mb: int = 0
    file_mb: int = 0
    nproc_headroom: int = 0
    threads: int = 0
    log_path: str = ''

    @staticmethod
    def from_env(env, cwd, runtime_dir):
        def number(name):
            text = env.get(name, '').strip()
            return int(text) if text else 0
        return LaunchSettings(
            cwd=cwd,
            runtime_dir=runtime_dir,
            python=env.get('AUTOGRADER_KERNEL_PYTHON') or sys.executable,
            prefix=shlex.split(env.get('AUTOGRADER_KERNEL_PREFIX', '')),
            memory_mb=number('AUTOGRADER_KERNEL_MEMORY_MB'),
            file_mb=number('AUTOGRADER_KERNEL_FILE_MB'),
            nproc_headroom=number('AUTOGRADER_KERNEL_PIDS'),
            threads=number('AUTOGRADER_KERNEL_THREADS'),
            log_path=env.get('AUTOGRADER_KERNEL_LOG', ''),
        )


def kernel_command(settings, connection_file):
    """The one place the kernel's command line is built: prefix, limits wrapper, ipykernel."""
    limits = ['--memory-mb', str(settings.memory_mb), '--file-mb', str(settings.file_mb),
              '--nproc-headroom', str(settings.nproc_headroom)]
    # -P: the notebook's folder is not put on sys.path before ipykernel is imported, so a
    # submitted file named like a module (zmq.py, json.py) cannot break the kernel's start.
    safe_path = ['-P'] if sys.version_info >= (3, 11) else []
    return [
        *settings.prefix, settings.python, str(LAUNCHER), *limits, '--',
        settings.python, *safe_path, '-m', 'ipykernel_launcher', '-f', connection_file,
        '--HistoryManager.enabled=False',
    ]


def kernel_env(settings):
    env = {k: v for k, v in os.environ.items() if not k.startswith('AUTOGRADER_')}
    env['IPYTHONDIR'] = os.path.join(settings.runtime_dir, 'ipython')
    env['JUPYTER_RUNTIME_DIR'] = settings.runtime_dir
    env['PYDEVD_DISABLE_FILE_VALIDATION'] = '1'
    if settings.threads:
        for name in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
            env[name] = str(settings.threads)
    return env


# Fixed rather than looked up: the lookup imports ipykernel and debugpy into the harness
# (about 0.4 s of every run), and the command line comes from kernel_command anyway.
KERNEL_SPEC = KernelSpec(argv=[], display_name='Python 3', language='python', interrupt_mode='signal')


class _Manager(KernelManager):
    """A KernelManager whose command line comes from `kernel_command`."""

    @property
    def kernel_spec(self):
        return KERNEL_SPEC

    def format_kernel_cmd(self, extra_arguments=None):
        return kernel_command(self.autograder_settings, os.path.realpath(self.connection_file))


@dataclass
class Execution:
    status: str  # 'ok' | 'error' | 'timeout' | 'died'
    ms: float
    ename: str = None
    evalue: str = None
    # A timeout the interrupt did not end: the kernel must be restarted.
    stuck: bool = False
    # The value of `result_expression`, decoded from JSON, when it was a JSON string.
    captured: list = field(default_factory=list)
    # Bytes of output (streams, displays) that reached the harness.
    output_bytes: int = 0
    # Output too large to be received at all (the iopub connection was dropped for it).
    output_dropped: bool = False

    @property
    def output_flooded(self):
        return self.output_dropped or self.output_bytes > MAX_CELL_OUTPUT_BYTES


def _expression_value(reply):
    """[the decoded JSON string that user expression `result` evaluated to], or []."""
    expression = (reply.get('user_expressions') or {}).get('result') or {}
    if expression.get('status') != 'ok':
        return []
    try:
        text = ast.literal_eval(expression.get('data', {}).get('text/plain', ''))
        return [json.loads(text)] if isinstance(text, str) else []
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return []


def _large_output(payload):
    """A large stream or result message, reduced to its type, parent and size; None otherwise.

    Decoding a flood of printed output would hold it in the harness's memory; only its size
    matters. (Function values come back on the shell channel, never as output.)
    """
    if len(payload) < 5 or len(payload[4]) < LARGE_OUTPUT_FRAME_BYTES:
        return None
    header = json.loads(bytes(payload[1]))
    return {'msg_type': header.get('msg_type'), 'parent_header': json.loads(bytes(payload[2])),
            'content': {}, 'raw_bytes': len(payload[4])}


class KernelSession:
    def __init__(self, settings):
        self.settings = settings
        self.manager = None
        self.shell = None
        self.iopub = None
        self.poller = None
        self.iopub_monitor = None
        self.iopub_drops = 0
        self.log_file = None

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self):
        self.manager = _Manager(kernel_name='python3', transport='ipc',
                                ip=os.path.join(self.settings.runtime_dir, 'kernel'),
                                connection_file=os.path.join(self.settings.runtime_dir, 'kernel.json'))
        self.manager.autograder_settings = self.settings
        self.manager.start_kernel(cwd=self.settings.cwd, env=kernel_env(self.settings), **self._output())
        self._connect()

    def restart(self):
        self._disconnect()
        self.manager.restart_kernel(now=True)
        self._connect()

    def shutdown(self):
        self._disconnect()
        if self.manager is not None and self.manager.has_kernel:
            self.manager.shutdown_kernel(now=True)
        if self.log_file is not None:
            self.log_file.close()

    def alive(self):
        return self.manager is not None and self.manager.is_alive()

    def interrupt(self):
        self.manager.interrupt_kernel()

    def _output(self):
        """Never the harness's own stdout: student code writing to fd 1 must not reach it."""
        if self.settings.log_path:
            self.log_file = open(self.settings.log_path, 'ab')
            return {'stdout': self.log_file, 'stderr': self.log_file}
        return {'stdout': subprocess.DEVNULL, 'stderr': subprocess.DEVNULL}

    def _connect(self):
        self.shell = self.manager.connect_shell()
        self.iopub = self._connect_iopub()
        self.iopub_monitor = self.iopub.get_monitor_socket(zmq.EVENT_DISCONNECTED)
        self.poller = zmq.Poller()
        self.poller.register(self.shell, zmq.POLLIN)
        self.poller.register(self.iopub, zmq.POLLIN)
        self.poller.register(self.iopub_monitor, zmq.POLLIN)
        self._wait_ready()

    def _connect_iopub(self):
        """Like KernelManager.connect_iopub, with size limits set before connecting."""
        sock = self.manager.context.socket(zmq.SUB)
        sock.linger = 0
        sock.setsockopt(zmq.MAXMSGSIZE, MAX_IOPUB_MESSAGE_BYTES)
        sock.setsockopt(zmq.RCVHWM, IOPUB_RCVHWM)
        sock.setsockopt(zmq.SUBSCRIBE, b'')
        sock.connect(self.manager._make_url('iopub'))
        return sock

    def _disconnect(self):
        if self.iopub is not None and self.iopub_monitor is not None:
            self.iopub.disable_monitor()
        for sock in (self.shell, self.iopub, self.iopub_monitor):
            if sock is not None:
                sock.close(linger=0)
        self.shell = self.iopub = self.iopub_monitor = self.poller = None

    def _wait_ready(self):
        """kernel_info until both the reply and an iopub message arrive (iopub subscribes late)."""
        both = {'shell', 'iopub'}
        due = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < due:
            msg_id = self._send('kernel_info_request', {})
            seen = set()
            round_due = time.monotonic() + 1.0
            while seen != both and time.monotonic() < round_due:
                if not self.alive():
                    raise KernelStartError('the kernel exited while starting (set AUTOGRADER_KERNEL_LOG to see why)')
                seen.update(channel for channel, msg in self._receive(POLL_MS)
                            if msg['parent_header'].get('msg_id') == msg_id)
            if seen == both:
                return
        raise KernelStartError(f'the kernel did not answer within {READY_TIMEOUT_S:.0f} s')

    # -- messages ------------------------------------------------------------------------------

    def _send(self, msg_type, content):
        return self.manager.session.send(self.shell, msg_type, content)['header']['msg_id']

    def _receive(self, timeout_ms):
        """(channel, message) pairs that arrived within timeout_ms; unsigned or garbled ones dropped."""
        ready = dict(self.poller.poll(timeout_ms))
        out = []
        if self.iopub_monitor in ready:
            while True:
                try:
                    self.iopub_monitor.recv_multipart(zmq.NOBLOCK)
                except zmq.Again:
                    break
                self.iopub_drops += 1
        for name, sock in (('iopub', self.iopub), ('shell', self.shell)):
            if sock not in ready:
                continue
            for _ in range(MAX_MESSAGES_PER_POLL):
                try:
                    frames = sock.recv_multipart(zmq.NOBLOCK)
                except zmq.Again:
                    break
                try:
                    _, payload = self.manager.session.feed_identities(frames)
                    large = name == 'iopub' and _large_output(payload)
                    out.append((name, large or self.manager.session.deserialize(payload)))
                except Exception as error:  # a bad signature or JSON: not from our kernel
                    print(f'harness: dropped a {name} message: {error}', file=sys.stderr)
        return out

    def execute(self, code, timeout_s, internal=False, result_expression=None):
        """Runs code; past timeout_s interrupts it, and reports `stuck` if it does not stop."""
        started = time.monotonic()
        msg_id = self._send('execute_request', {
            'code': code, 'silent': False, 'store_history': not internal,
            # The value comes back in the execute_reply on the shell channel, which output
            # floods on iopub cannot crowd out.
            'user_expressions': {'result': result_expression} if result_expression else {},
            'allow_stdin': False, 'stop_on_error': False,
        })
        result = Execution(status='ok', ms=0)
        drops_before = self.iopub_drops
        reply = None
        replied_at = interrupted_at = None
        idle = False
        while True:
            for channel, msg in self._receive(POLL_MS):
                if msg['parent_header'].get('msg_id') != msg_id:
                    continue
                if channel == 'shell' and msg['msg_type'] == 'execute_reply':
                    reply, replied_at = msg['content'], time.monotonic()
                    if result_expression:
                        result.captured.extend(_expression_value(reply))
                elif msg['msg_type'] == 'status' and msg['content'].get('execution_state') == 'idle':
                    idle = True
                if 'raw_bytes' in msg:
                    result.output_bytes += msg['raw_bytes']
                elif msg['msg_type'] == 'stream':
                    result.output_bytes += len(msg['content'].get('text', ''))
                elif msg['msg_type'] in ('display_data', 'execute_result', 'update_display_data'):
                    result.output_bytes += sum(len(str(v)) for v in msg['content'].get('data', {}).values())
            result.output_dropped = result.output_dropped or self.iopub_drops > drops_before
            now = time.monotonic()
            result.ms = (now - started) * 1000
            if reply is not None:
                if idle or now - replied_at > IDLE_GRACE_S:
                    break
                continue
            if not self.alive():
                result.status = 'died'
                return result
            if interrupted_at is None and now - started >= timeout_s:
                self.interrupt()
                interrupted_at = now
            elif interrupted_at is not None and now - interrupted_at >= INTERRUPT_GRACE_S:
                result.status, result.stuck = 'timeout', True
                return result
        if interrupted_at is not None:
            result.status = 'timeout'
        elif reply.get('status') == 'ok':
            result.status = 'ok'
        else:
            result.status = 'error'
            result.ename = str(reply.get('ename', 'Error'))
            result.evalue = str(reply.get('evalue', ''))
        return result
