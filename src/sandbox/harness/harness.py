"""The grading harness: runs a notebook in a Jupyter kernel, then calls its functions.

    python3 harness.py <workdir>   < HarnessRequest JSON   > HarnessResponse JSON

The contract is src/sandbox/protocol.ts. Exactly one JSON document is written to stdout;
logs go to stderr. Student code runs only in the kernel, whose output never reaches our
stdout; values come back as IOPub display_data under a private MIME type (call_helper.py).
The kernel is started before the request is read, so a sandbox started ahead of its job
is ready when the job arrives; totalTimeoutS counts from the request's arrival.

Environment (all optional):
    AUTOGRADER_KERNEL_PREFIX      words put before the kernel command (e.g. to run it as another user)
    AUTOGRADER_KERNEL_PYTHON      the kernel's interpreter (default: this one)
    AUTOGRADER_KERNEL_MEMORY_MB   RLIMIT_DATA of the kernel
    AUTOGRADER_KERNEL_FILE_MB     RLIMIT_FSIZE of the kernel
    AUTOGRADER_KERNEL_PIDS        RLIMIT_NPROC headroom over the user's current threads
    AUTOGRADER_KERNEL_THREADS     OMP / OpenBLAS / MKL threads of the kernel
    AUTOGRADER_KERNEL_LOG         file for the kernel's stdout and stderr (default: /dev/null)
"""
import json
import os
import re
import secrets
import shutil
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

sys.dont_write_bytecode = True  # keep the harness folder (and the image hash over it) clean

from kernel_session import MAX_CELL_OUTPUT_BYTES, KernelSession, KernelStartError, LaunchSettings

PROTOCOL_VERSION = 1
# Where call_helper leaves a call's result (a JSON string) for the harness to read back
# through the execute_reply's user expression.
RESULT_EXPRESSION = "__import__('sys').__dict__.pop('_autograder_call_result', None)"
HELPER_SOURCE = Path(__file__).with_name('call_helper.py').read_text()
DTYPE_BYTES = {'float64': 8, 'float32': 4, 'float16': 2, 'int64': 8, 'int32': 4,
               'int16': 2, 'int8': 1, 'uint8': 1, 'bool': 1}
ARG_KINDS = {'array', 'int', 'float', 'str'}
FN_NAME = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*$')
# Kept back from the notebook for the calls when the whole run is cut short (capped).
CALLS_RESERVE_FRACTION, CALLS_RESERVE_MAX_S = 0.2, 10.0
# Kept back at the very end to stop the kernel and write the response.
SHUTDOWN_S = 0.5
TORCH_IMPORT_TIMEOUT_S = 120.0


def log(message):
    print(f'harness: {message}', file=sys.stderr, flush=True)


class RequestError(Exception):
    pass


# -- request --------------------------------------------------------------------------------------


def require(condition, message):
    if not condition:
        raise RequestError(message)


def positive(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


def valid_array(value, max_bytes):
    """An encoded array as protocol.ts EncodedArraySchema has it, its base64 as long as its shape says."""
    if not (isinstance(value, dict) and value.get('dtype') in DTYPE_BYTES and isinstance(value.get('b64'), str)):
        return False
    shape = value.get('shape')
    if not (isinstance(shape, list) and len(shape) <= 8
            and all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape)):
        return False
    count = 1
    for d in shape:
        count *= d
    nbytes = count * DTYPE_BYTES[value['dtype']]
    expected = 4 * ((nbytes + 2) // 3)
    return len(value['b64']) == expected <= max_bytes


def safe_relative(path):
    return isinstance(path, str) and path != '' and not path.startswith('/') and '\0' not in path \
        and '..' not in path.split('/')


def check_call(call):
    require(isinstance(call, dict), 'each call must be an object')
    require(isinstance(call.get('id'), str) and call['id'], 'call.id must be a non-empty string')
    require(isinstance(call.get('fn'), str) and FN_NAME.match(call['fn']), f'call {call.get("id")}: bad fn')
    require(isinstance(call.get('args'), list), f'call {call["id"]}: args must be a list')
    for arg in call['args']:
        require(isinstance(arg, dict) and arg.get('kind') in ARG_KINDS, f'call {call["id"]}: bad argument')
        if arg['kind'] == 'array':
            # Checked here, so a malformed input is reported as ours, not as the student's error.
            require(valid_array(arg.get('array'), float('inf')), f'call {call["id"]}: bad array argument')
    call.setdefault('arrayType', 'numpy')
    require(call['arrayType'] in ('numpy', 'torch'), f'call {call["id"]}: arrayType must be numpy or torch')
    model = call.get('model')
    require(model is None or (isinstance(model, dict) and positive(model.get('batchSize'))
                              and int(model['batchSize']) == model['batchSize']
                              and (model.get('timeoutS') is None or positive(model['timeoutS']))
                              and (model.get('stateDict') is None or safe_relative(model['stateDict']))),
            f'call {call["id"]}: model must be {{"batchSize": positive int, "timeoutS"?: positive}}')
    call.setdefault('aliases', [])
    require(isinstance(call['aliases'], list) and all(isinstance(a, str) and FN_NAME.match(a) for a in call['aliases']),
            f'call {call["id"]}: aliases must be a list of function names')


def parse_request(text):
    try:
        request = json.loads(text)
    except ValueError as error:
        raise RequestError(f'the request is not JSON: {error}') from None
    require(isinstance(request, dict), 'the request must be a JSON object')
    require(request.get('v') == PROTOCOL_VERSION, f'protocol version must be {PROTOCOL_VERSION}')
    require(isinstance(request.get('notebook'), str) and request['notebook'], 'notebook must be a path')
    require(isinstance(request.get('calls'), list), 'calls must be a list')
    limits = request.get('limits')
    require(isinstance(limits, dict), 'limits must be an object')
    for key in ('cellTimeoutS', 'totalTimeoutS', 'callTimeoutS', 'maxReturnBytes'):
        require(positive(limits.get(key)), f'limits.{key} must be a positive number')
    for call in request['calls']:
        check_call(call)
    return request


def notebook_path(workdir, relative):
    root = Path(workdir).resolve()
    path = (root / relative).resolve()
    require(root in path.parents, f'the notebook path {relative!r} leaves the work directory')
    require(path.is_file(), f'the notebook {relative!r} does not exist')
    return path


def load_code_cells(path):
    """(index among all cells, source) of each code cell."""
    import nbformat
    notebook = nbformat.read(str(path), as_version=4)
    return [(index, cell.source) for index, cell in enumerate(notebook.cells) if cell.cell_type == 'code']


# -- the run -------------------------------------------------------------------------------------


class Clock:
    def __init__(self, total_s, reserve_s):
        self.start = time.monotonic()
        self.total_s = total_s
        self.reserve_s = reserve_s

    def elapsed(self):
        return time.monotonic() - self.start

    def left_for_cells(self):
        return self.total_s - self.reserve_s - self.elapsed()

    def left(self):
        return self.total_s - SHUTDOWN_S - self.elapsed()


class NotebookRun:
    """The cells' reports and the kernel state they built, kept alive across kernel restarts."""

    def __init__(self, kernel, limits, clock, errors, setup_code):
        self.kernel = kernel
        self.limits = limits
        self.clock = clock
        self.errors = errors
        # Run silently in every kernel before the notebook's cells (the first and each restarted one).
        self.setup_code = setup_code
        self.reports = {}
        self.replayable = []  # (index, code) of the cells that ran ok, in order
        self.restarts = 0
        self.total_timeout = False

    def set_up(self):
        if not self.setup_code:
            return True
        execution = self.kernel.execute(self.setup_code, max(min(10.0, self.clock.left()), 0.1), internal=True)
        if execution.status != 'ok':
            self.errors.append(f'the kernel could not be set up: {execution.status} {execution.ename or ""} '
                               f'{execution.evalue or ""}'.strip())
        return execution.status == 'ok'

    def run_cells(self, cells):
        previous = None
        for index, code in cells:
            budget = self.clock.left_for_cells()
            if budget <= 0:
                self.total_timeout = True
                return
            if not code.strip():
                self.reports[index] = {'index': index, 'status': 'ok', 'ms': 0}
                continue
            if not self.recover(blame=previous):
                return
            limit = min(self.limits['cellTimeoutS'], budget)
            execution = self.kernel.execute(code, limit)
            self.reports[index] = cell_report(index, execution)
            if execution.status == 'ok':
                self.replayable.append((index, code))
            previous = index
            if execution.stuck:
                self.restart_and_replay()
            if execution.status == 'timeout' and limit < self.limits['cellTimeoutS']:
                self.total_timeout = True
                return

    def recover(self, blame=None):
        """A live kernel with the notebook's state; False when none could be had.

        A kernel found dead between executions was ended by the cell before (exit(), a
        background thread): that cell is `blame`, and it is not replayed.
        """
        if self.kernel.alive():
            return True
        report = self.reports.get(blame)
        if report is not None and report['status'] == 'ok':
            report['status'] = 'kernel_died'
            self.replayable = [(i, c) for i, c in self.replayable if i != blame]
        return self.restart_and_replay()

    def restart_and_replay(self):
        """A fresh kernel, then the cells that succeeded before, run again with outputs ignored."""
        if not self.restart():
            return False
        for index, code in self.replayable:
            left = self.clock.left()
            if left <= 0:
                log(f'no time left to replay cell {index} and later after the restart')
                break
            execution = self.kernel.execute(code, min(self.limits['cellTimeoutS'], left))
            if execution.status != 'ok':
                log(f'replaying cell {index} after a restart: {execution.status} {execution.ename or ""}')
            if execution.status == 'died' or execution.stuck:
                return self.restart()
        return True

    def restart(self):
        try:
            self.kernel.restart()
        except (KernelStartError, OSError, RuntimeError) as error:
            self.errors.append(f'the kernel could not be restarted: {error}')
            return False
        self.restarts += 1
        return self.set_up()


def cell_report(index, execution):
    status = {'died': 'kernel_died'}.get(execution.status, execution.status)
    report = {'index': index, 'status': status, 'ms': round(execution.ms, 1)}
    if execution.status == 'error':
        report['ename'] = execution.ename
        report['evalue'] = execution.evalue
    elif execution.status == 'ok' and execution.output_flooded:
        report.update(status='error', ename='OutputLimitExceeded',
                      evalue=f'the cell printed more than {MAX_CELL_OUTPUT_BYTES // (1024 * 1024)} MiB of output; '
                             'print less (a summary, or every 100th step) or write it to a file')
    return report


# -- calls ---------------------------------------------------------------------------------------


def call_code(call, nonce, max_bytes):
    """One line that runs call_helper in a namespace of its own: the notebook's names stay as they are."""
    request = json.dumps({
        'fn': call['fn'], 'aliases': call['aliases'], 'args': call['args'], 'arrayType': call['arrayType'],
        'model': call.get('model'),
        'maxReturnBytes': max_bytes, 'nonce': nonce,
    })
    return ("(lambda b: b.exec(b.compile(%r, '<autograder call>', 'exec'), {'__name__': '__autograder__', "
            "'USER_NS': b.globals(), 'REQUEST': %r}))(__import__('builtins'))" % (HELPER_SOURCE, request))


def result_from_payload(call_id, payload, max_bytes):
    result = result_of_status(call_id, payload, max_bytes)
    # Which accepted name the notebook defined (the contract name or an alias), for the feedback.
    if result['status'] in ('ok', 'error', 'refused') and isinstance(payload.get('name'), str) \
            and FN_NAME.match(payload['name']):
        result['name'] = payload['name']
    return result


def result_of_status(call_id, payload, max_bytes):
    status = payload.get('status')
    if status == 'ok' and valid_array(payload.get('value'), max_bytes):
        value = payload['value']
        return {'id': call_id, 'status': 'ok',
                'value': {'dtype': value['dtype'], 'shape': value['shape'], 'b64': value['b64']}}
    if status == 'error':
        result = {'id': call_id, 'status': 'error', 'ename': str(payload.get('ename', 'Error')),
                  'evalue': str(payload.get('evalue', ''))}
        line = payload.get('line')
        # The student's own line that raised: shown to students instead of the message (hidden inputs).
        if isinstance(line, dict) and isinstance(line.get('lineno'), int) and line['lineno'] >= 0 \
                and isinstance(line.get('text'), str):
            result['line'] = {'lineno': line['lineno'], 'text': line['text'][:300]}
        batch = payload.get('batch')
        # Which batch of a model evaluation raised (the grader's bookkeeping, safe to show).
        if isinstance(batch, dict) and all(isinstance(batch.get(k), int) and not isinstance(batch.get(k), bool)
                                           and batch[k] >= 0 for k in ('index', 'count', 'firstRow', 'lastRow')):
            result['batch'] = {k: batch[k] for k in ('index', 'count', 'firstRow', 'lastRow')}
        return result
    if status == 'missing':
        return {'id': call_id, 'status': 'missing'}
    if status == 'refused' and isinstance(payload.get('reason'), str):
        return {'id': call_id, 'status': 'refused', 'reason': payload['reason']}
    return {'id': call_id, 'status': 'refused', 'reason': 'the value that came back from the kernel was malformed'}


def call_result(call, execution, nonce, max_bytes):
    call_id = call['id']
    if execution.status == 'timeout':
        return {'id': call_id, 'status': 'timeout'}
    if execution.status == 'died':
        return {'id': call_id, 'status': 'error', 'ename': 'KernelDied',
                'evalue': f'the kernel died while running {call["fn"]} (it crashed, exited or ran out of memory)'}
    payloads = [p for p in execution.captured if isinstance(p, dict) and p.get('nonce') == nonce]
    if len(payloads) == 1:
        return result_from_payload(call_id, payloads[0], max_bytes)
    if execution.status == 'error':
        return {'id': call_id, 'status': 'error', 'ename': execution.ename, 'evalue': execution.evalue}
    return {'id': call_id, 'status': 'refused',
            'reason': f'{len(payloads)} values came back from one call of {call["fn"]}; expected one'}


def import_torch(run):
    """Imported once before the calls, so its seconds are not charged to the first call."""
    if not run.recover():
        return
    execution = run.kernel.execute("__import__('torch')", min(TORCH_IMPORT_TIMEOUT_S, max(run.clock.left(), 0)),
                                   internal=True)
    if execution.status != 'ok':
        run.errors.append(f'torch could not be imported in the kernel: {execution.status} '
                          f'{execution.ename or ""} {execution.evalue or ""}'.strip())
    if execution.stuck:
        run.restart_and_replay()


def run_calls(run, calls, results):
    """Appends one result per call to `results` (kept by the caller should the harness fail midway)."""
    limits = run.limits
    if any(call['arrayType'] == 'torch' for call in calls):
        import_torch(run)
    for call in calls:
        if run.clock.left() <= 0.05:
            run.total_timeout = True
            results.append({'id': call['id'], 'status': 'timeout'})
            continue
        if not run.recover():
            results.append(unavailable(call))
            continue
        call_limit = (call.get('model') or {}).get('timeoutS') or limits['callTimeoutS']
        limit = min(call_limit, run.clock.left())
        nonce = secrets.token_hex(16)
        execution = run.kernel.execute(call_code(call, nonce, limits['maxReturnBytes']), limit,
                                       internal=True, result_expression=RESULT_EXPRESSION)
        if execution.status == 'timeout' and limit < call_limit:
            run.total_timeout = True
        results.append(call_result(call, execution, nonce, limits['maxReturnBytes']))
        if execution.stuck:
            run.restart_and_replay()


def unavailable(call):
    return {'id': call['id'], 'status': 'error', 'ename': 'KernelUnavailable',
            'evalue': 'no kernel could be started to run this call'}


# -- response ------------------------------------------------------------------------------------


def response(cells, reports, calls, call_results, restarts, total_timeout, errors):
    """Every code cell and every call appears, whatever happened."""
    done = {result['id']: result for result in call_results}
    return {
        'v': PROTOCOL_VERSION,
        'cells': [reports.get(index, {'index': index, 'status': 'skipped', 'ms': 0}) for index, _ in cells],
        'kernelRestarts': restarts,
        'calls': [done.get(call['id'], {'id': call['id'], 'status': 'error', 'ename': 'HarnessError',
                                        'evalue': 'the harness failed before this call ran'}) for call in calls],
        'totalTimeout': total_timeout,
        'harnessErrors': errors,
    }


def setup_code(workdir, notebook):
    """The kernel starts in the work directory; a notebook in a subfolder runs from its own folder."""
    if notebook.parent == Path(workdir).resolve():
        return None
    return f"__import__('os').chdir({str(notebook.parent)!r})"


def grade(kernel, kernel_started, workdir, request_text, errors):
    """The response to one request, the kernel already started (or failed to) before it arrived."""
    try:
        request = parse_request(request_text)
        path = notebook_path(workdir, request['notebook'])
        cells = load_code_cells(path)
    except Exception as error:  # a bad request or unreadable notebook: nothing ran
        errors.append(f'{type(error).__name__}: {error}')
        return response([], {}, [], [], 0, False, errors)
    limits, calls = request['limits'], request['calls']
    reserve = min(CALLS_RESERVE_FRACTION * limits['totalTimeoutS'], CALLS_RESERVE_MAX_S) if calls else 0
    clock = Clock(limits['totalTimeoutS'], reserve)
    run = NotebookRun(kernel, limits, clock, errors, setup_code(workdir, path))
    call_results = []
    try:
        if kernel_started and run.set_up():
            run.run_cells(cells)
            ran = clock.elapsed()
            run_calls(run, calls, call_results)
            log(f'{len(cells)} cells {ran:.2f} s, {len(calls)} calls {clock.elapsed() - ran:.2f} s, '
                f'{run.restarts} restarts')
        else:
            call_results.extend(unavailable(call) for call in calls)
    except Exception as error:
        log(traceback.format_exc())
        errors.append(f'the harness failed: {type(error).__name__}: {error}')
    return response(cells, run.reports, calls, call_results, run.restarts, run.total_timeout, errors)


def start_kernel(kernel, errors):
    started = time.monotonic()
    try:
        kernel.start()
    except (KernelStartError, OSError, RuntimeError) as error:
        errors.append(f'the kernel did not start: {error}')
        return False
    log(f'kernel start {time.monotonic() - started:.2f} s')
    return True


def preload_modules(kernel, names):
    """Imports modules into the kernel before the request comes (AUTOGRADER_KERNEL_PRELOAD,
    comma-separated), so a container started ahead of its job does that work while it waits.
    Binds no name: a notebook that uses numpy without importing it still fails. A module that
    will not import is only logged here; the notebook's own import reports it."""
    for name in [n.strip() for n in names.split(',') if n.strip()]:
        if not all(part.isidentifier() for part in name.split('.')):
            log(f'preload: {name!r} is not a module name; skipped')
            continue
        execution = kernel.execute(f'__import__({name!r})', 60.0, internal=True)
        if execution.status != 'ok':
            log(f'preload: import {name} ended {execution.status} {execution.ename or ""} {execution.evalue or ""}')


def stop(kernel, runtime_dir, errors):
    try:
        kernel.shutdown()
    except Exception as error:
        errors.append(f'the kernel did not shut down cleanly: {type(error).__name__}: {error}')
    try:
        shutil.rmtree(runtime_dir)
    except OSError as error:  # the sandbox removes the whole job folder after us anyway
        log(f'could not remove {runtime_dir}: {error}')


# -- process -------------------------------------------------------------------------------------


def claim_stdout():
    """Our response fd; fd 1 then points at stderr, so no stray print can corrupt the response."""
    sys.stdout.flush()
    response_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return response_fd


def write_response(fd, document):
    data = json.dumps(document, allow_nan=False, separators=(',', ':')).encode()
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
    os.close(fd)


def terminate(signum, _frame):
    raise SystemExit(128 + signum)  # unwinds through grade()'s finally, which stops the kernel


def die_with_parent(expected_parent):
    """SIGTERM when the process that started us dies, even by SIGKILL: `terminate` then stops the kernel.

    The process sandbox names its pid in AUTOGRADER_PARENT_PID; without it (Docker, where the
    container's end takes everything) nothing is armed. Linux only; elsewhere a no-op.
    """
    if not expected_parent or not sys.platform.startswith('linux'):
        return
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(1, signal.SIGTERM, 0, 0, 0) != 0:  # 1 = PR_SET_PDEATHSIG
        log(f'prctl(PR_SET_PDEATHSIG) failed: {os.strerror(ctypes.get_errno())}')
    if str(os.getppid()) != expected_parent:
        raise SystemExit(1)  # the parent died before the signal was armed


def main(argv):
    response_fd = claim_stdout()
    signal.signal(signal.SIGTERM, terminate)
    die_with_parent(os.environ.get('AUTOGRADER_PARENT_PID'))
    if len(argv) != 2:
        log('usage: harness.py <workdir>  (HarnessRequest JSON on stdin)')
        return 2
    workdir = argv[1]
    runtime_dir = tempfile.mkdtemp(prefix='autograder-kernel-')
    kernel = KernelSession(LaunchSettings.from_env(os.environ, cwd=workdir, runtime_dir=runtime_dir))
    errors = []
    try:
        # Before the request: a sandbox started ahead of its job has its kernel ready when the job comes.
        kernel_started = start_kernel(kernel, errors)
        if kernel_started and os.environ.get('AUTOGRADER_KERNEL_PRELOAD'):
            preload_modules(kernel, os.environ['AUTOGRADER_KERNEL_PRELOAD'])
        document = grade(kernel, kernel_started, workdir, sys.stdin.read(), errors)
    finally:
        stop(kernel, runtime_dir, errors)
    write_response(response_fd, document)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
