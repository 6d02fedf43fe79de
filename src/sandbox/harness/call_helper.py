"""Runs inside the student's kernel: one function call, its value left for the harness.

The harness never imports this file. It sends its source with every call, executed
in a fresh namespace (see harness.py `call_code`), with these names bound:

    USER_NS  the notebook's namespace (where the student's functions live)
    REQUEST  JSON text: {"fn", "aliases", "args", "arrayType", "model", "maxReturnBytes", "nonce"}

The result leaves the kernel as a JSON string {"nonce", "status": "ok"|"error"|"missing"|
"refused", ...} that the harness's user expression takes (and removes) from `sys` in the
execute_reply, on the shell channel, so output the notebook floods iopub with cannot hide it. Arguments are
decoded afresh for every call, so a function that modifies its inputs in place cannot
change what a later call receives.
"""
import base64
import json
import sys

import numpy as np

# dtype name -> little-endian NumPy type; the names of protocol.ts ArrayDtypeSchema.
WIRE_DTYPES = {
    'float64': '<f8', 'float32': '<f4', 'float16': '<f2',
    'int64': '<i8', 'int32': '<i4', 'int16': '<i2', 'int8': 'i1', 'uint8': 'u1', 'bool': '?',
}
# Integer types the wire has no name for, widened without loss.
WIDENED = {'uint16': 'int32', 'uint32': 'int64'}
MAX_NDIM = 8
ADVICE = 'return a NumPy array, a list, a number or a torch tensor'


class Refused(Exception):
    """The function returned something the grader does not accept; the message says why."""


def describe(value):
    kind = type(value)
    module = kind.__module__
    name = kind.__qualname__ if module in ('builtins', '__main__') else f'{module}.{kind.__qualname__}'
    return f'<{name}>'


def decode_arg(arg, array_type):
    kind = arg['kind']
    if kind != 'array':
        return arg['value']
    encoded = arg['array']
    raw = base64.b64decode(encoded['b64'])
    # .copy(): a writable array of its own, so in-place edits touch nothing shared.
    array = np.frombuffer(raw, dtype=WIRE_DTYPES[encoded['dtype']]).reshape(encoded['shape']).copy()
    array = array.astype(array.dtype.newbyteorder('='), copy=False)
    if array_type == 'torch':
        import torch
        return torch.from_numpy(array)
    return array


def checked_dtype(array):
    """The array with a wire dtype, or Refused."""
    kind = array.dtype.kind
    if kind == 'c':
        raise Refused('returned complex numbers; return real values (for example np.abs(x) or x.real)')
    if kind == 'O':
        raise Refused('returned a NumPy array of Python objects (dtype=object), usually a ragged '
                      'or mixed list; return numbers that form one rectangular array')
    if kind not in 'fiub':
        raise Refused(f'returned an array of dtype {array.dtype}; return numbers')
    name = array.dtype.name
    if name in WIRE_DTYPES:
        return array
    if name in WIDENED:
        return array.astype(WIDENED[name])
    if name == 'uint64':
        if array.size and array.max() > np.iinfo(np.int64).max:
            raise Refused('returned uint64 values too large for int64')
        return array.astype(np.int64)
    if kind == 'f':
        # longdouble and other wide floats: float64 is what the grader compares in.
        return array.astype(np.float64)
    raise Refused(f'returned an array of dtype {array.dtype}; return float64, float32 or int64 values')


def tensor_to_array(tensor):
    import torch
    t = tensor.detach()
    if t.is_complex():
        raise Refused('returned a complex tensor; return real values (for example x.abs())')
    if t.layout != torch.strided:
        t = t.to_dense()
    if t.dtype == torch.bfloat16:
        t = t.float()
    return checked_dtype(t.cpu().resolve_conj().resolve_neg().contiguous().numpy())


def python_number(value):
    kind = type(value)
    if kind is bool:
        return np.asarray(value, dtype=np.bool_)
    if kind is float:
        return np.asarray(value, dtype=np.float64)
    if not (-2 ** 63 <= value < 2 ** 63):
        raise Refused('returned an integer too large for int64')
    return np.asarray(value, dtype=np.int64)


def sequence_to_array(items, depth):
    if depth >= MAX_NDIM:
        raise Refused(f'returned lists nested deeper than {MAX_NDIM} levels')
    if not items:
        return np.zeros((0,), dtype=np.float64)
    if all(type(item) in (bool, int, float) for item in items):
        try:
            return checked_dtype(np.array(items))
        except OverflowError:
            raise Refused('returned an integer too large for int64') from None
    parts = [to_array(item, depth + 1) for item in items]
    shape = parts[0].shape
    if any(part.shape != shape for part in parts):
        raise Refused(f'returned a ragged list (its items have different shapes, e.g. {list(shape)} and '
                      f'{list(next(p.shape for p in parts if p.shape != shape))}); return one rectangular array')
    return checked_dtype(np.stack(parts))


def to_array(value, depth=0):
    """The returned value as a plain ndarray with a wire dtype, or Refused with the reason."""
    kind = type(value)
    if kind is np.ndarray:
        return checked_dtype(value)
    if isinstance(value, np.ndarray):
        raise Refused(f'returned a {describe(value)}, a subclass of numpy.ndarray; '
                      'return a plain array, e.g. np.asarray(x)')
    if isinstance(value, np.generic):
        return checked_dtype(np.asarray(value))
    if kind in (bool, int, float):
        return python_number(value)
    if kind in (list, tuple):
        return sequence_to_array(value, depth)
    torch = sys.modules.get('torch')
    if torch is not None and isinstance(value, torch.Tensor):
        if kind is not torch.Tensor:
            raise Refused(f'returned a {describe(value)}, a subclass of torch.Tensor; '
                          'return a plain tensor, e.g. x.detach()')
        return tensor_to_array(value)
    if value is None and depth == 0:
        raise Refused(f'returned None (is a return statement missing?); {ADVICE}')
    holder = 'a list holding ' if depth else ''
    raise Refused(f'returned {holder}a {describe(value)}; {ADVICE}')


def encode(array, max_bytes):
    if array.ndim > MAX_NDIM:
        raise Refused(f'returned an array with {array.ndim} dimensions; at most {MAX_NDIM} are accepted')
    encoded_len = 4 * ((array.nbytes + 2) // 3)
    if encoded_len > max_bytes:
        raise Refused(f'returned {array.nbytes} bytes of data ({list(array.shape)} {array.dtype}); '
                      f'the limit is about {max_bytes * 3 // 4} bytes')
    little = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder('<'))
    return {
        'dtype': array.dtype.name,
        'shape': [int(d) for d in array.shape],
        'b64': base64.b64encode(little.tobytes(order='C')).decode('ascii'),
    }


def safe_text(thing):
    try:
        return str(thing)[:2000]
    except BaseException:  # a student's __str__ may raise anything
        return f'<unprintable {type(thing).__name__}>'


def find_function(request, user_ns):
    """The contract name if the notebook defines it, else the first accepted alias it defines."""
    for name in [request['fn'], *request.get('aliases', [])]:
        fn = user_ns.get(name)
        if fn is not None and callable(fn):
            return name, fn
    return None, None


def call(request, user_ns):
    name, fn = find_function(request, user_ns)
    if fn is None:
        return {'status': 'missing'}
    if request.get('model'):
        return dict(evaluate_model(request, fn), name=name)
    return dict(call_function(request, fn), name=name)


def evaluate_model(request, model):
    """The model's outputs on the one input array, batch by batch, in eval mode without gradients.

    Only inputs come in; what the outputs mean is decided by the grader. A batch that raises or
    returns the wrong number of rows ends the call, and the message names the batch.
    """
    import contextlib
    torch = sys.modules.get('torch')
    inputs = decode_arg(request['args'][0], request['arrayType'])
    is_module = torch is not None and isinstance(model, torch.nn.Module)
    if is_module:
        try:
            model.eval()  # dropout off, batch norm on its running statistics
            device = next((p.device for p in model.parameters()), None)
        except KeyboardInterrupt:
            raise
        except BaseException as error:
            return {'status': 'error', 'ename': type(error).__name__, 'evalue': f'model.eval() failed: {safe_text(error)}'}
        if device is not None and device.type != 'cpu' and hasattr(inputs, 'to'):
            inputs = inputs.to(device)
    weights = request['model'].get('stateDict')
    if weights:
        loaded = load_state_dict(model, weights, is_module, torch)
        if loaded is not None:
            return loaded
    rows = int(inputs.shape[0])
    size = int(request['model']['batchSize'])
    count = max(1, -(-rows // size))
    parts = []
    with (torch.no_grad() if torch is not None else contextlib.nullcontext()):
        for b in range(count):
            lo, hi = b * size, min(rows, (b + 1) * size)
            where = f'batch {b + 1} of {count} (input rows {lo} to {hi - 1})'
            try:
                value = model(inputs[lo:hi])
            except KeyboardInterrupt:
                raise
            except BaseException as error:
                # The batch is the grader's own bookkeeping: safe to show, unlike the message.
                return dict(error_result(error, f'on {where}: {safe_text(error)}'),
                            batch={'index': b + 1, 'count': count, 'firstRow': lo, 'lastRow': hi - 1})
            try:
                array = to_array(value)
            except Refused as refusal:
                return {'status': 'refused', 'reason': f'on {where} the model {refusal}'}
            except Exception as error:
                return {'status': 'refused', 'reason': f'on {where} the model returned a {describe(value)} that could '
                                                       f'not be converted: {type(error).__name__}: {safe_text(error)}'}
            if array.ndim == 0 or array.shape[0] != hi - lo:
                return {'status': 'refused', 'reason': f'on {where} the model returned shape {list(array.shape)} for '
                                                       f'{hi - lo} input rows; return one row of outputs per input row'}
            if parts and array.shape[1:] != parts[0].shape[1:]:
                return {'status': 'refused', 'reason': f'on {where} the model returned rows of shape {list(array.shape[1:])}'
                                                       f', on the first batch {list(parts[0].shape[1:])}'}
            parts.append(array)
    try:
        return {'status': 'ok', 'value': encode(np.concatenate(parts), request['maxReturnBytes'])}
    except Refused as refusal:
        return {'status': 'refused', 'reason': str(refusal)}


def load_state_dict(model, path, is_module, torch):
    """Loads a submitted state_dict into the model: None when it worked, else the result to return."""
    import os
    if not is_module:
        return {'status': 'refused', 'reason': f'weights were submitted ({path}), so the model must be a torch.nn.Module to '
                                               f'load them into; it is a {describe(model)}'}
    if not os.path.isfile(path):
        return {'status': 'refused', 'reason': f'the submission has no weights file {path}; put it in the zip beside the notebook'}
    try:
        # weights_only: tensors and plain containers only, never arbitrary pickled objects.
        state = torch.load(path, map_location='cpu', weights_only=True)
        model.load_state_dict(state)
    except KeyboardInterrupt:
        raise
    except BaseException as error:
        return {'status': 'refused', 'reason': f'{path} could not be loaded into the model as a state_dict '
                                               f'(torch.load with weights_only=True, then load_state_dict): '
                                               f'{type(error).__name__}: {safe_text(error)[:600]}'}
    return None


def student_line(error):
    """Where in the notebook's own code the error was raised: {'lineno', 'text'}, or None.

    Students see this instead of the message on hidden inputs (a message can carry the
    inputs back: `raise ValueError(repr(x))`). The innermost frame compiled from a cell
    counts; ipykernel names those files `.../ipykernel_<pid>/<hash>.py` (older versions
    `<ipython-input-...>`), and keeps their source in linecache.
    """
    try:
        import traceback
        frames = [f for f in traceback.extract_tb(error.__traceback__)
                  if 'ipykernel_' in (f.filename or '') or (f.filename or '').startswith('<ipython-input')]
        if not frames:
            return None
        frame = frames[-1]
        return {'lineno': int(frame.lineno or 0), 'text': (frame.line or '').strip()[:300]}
    except BaseException:  # the traceback is a courtesy; never let it fail the call
        return None


def error_result(error, evalue):
    result = {'status': 'error', 'ename': type(error).__name__, 'evalue': evalue}
    line = student_line(error)
    if line is not None:
        result['line'] = line
    return result


def call_function(request, fn):
    args = [decode_arg(arg, request['arrayType']) for arg in request['args']]
    try:
        value = fn(*args)
    except KeyboardInterrupt:
        raise  # the harness interrupted a call past its time limit
    except BaseException as error:  # SystemExit too: the student's code ended the call
        return error_result(error, safe_text(error))
    try:
        return {'status': 'ok', 'value': encode(to_array(value), request['maxReturnBytes'])}
    except Refused as refusal:
        return {'status': 'refused', 'reason': str(refusal)}
    except Exception as error:
        return {'status': 'refused', 'reason': f'the returned {describe(value)} could not be converted: '
                                               f'{type(error).__name__}: {safe_text(error)}'}


def publish(request, result):
    sys._autograder_call_result = json.dumps(dict(result, nonce=request['nonce']))


def main():
    request = json.loads(REQUEST)  # noqa: F821 (bound by the harness)
    publish(request, call(request, USER_NS))  # noqa: F821


main()
