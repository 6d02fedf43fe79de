"""Puts the Jupyter kernel under limits, then becomes it (exec).

    python3 kernel_launch.py [--memory-mb N] [--file-mb N] [--nproc-headroom N] -- <kernel command...>

Runs between the harness and the kernel (after AUTOGRADER_KERNEL_PREFIX, if any, so the
limits land on the user that runs student code). Standard library only.

- oom_score_adj 1000: the memory killer takes the kernel, not the harness, which then
  reports `kernel_died` and carries on (raising one's own score needs no privilege).
- dies with its parent (PR_SET_PDEATHSIG): the harness starts the kernel in a session of
  its own, so killing the harness's process group would otherwise leave it running.
- rlimits, soft and hard alike so student code cannot raise them again:
  core 0 always; data segment (heap and anonymous mappings, which is what memory use
  means here: address space would also count the ~1 GB of shared libraries torch maps);
  largest file written; processes.
"""
import argparse
import ctypes
import os
import resource
import signal
import sys

PR_SET_PDEATHSIG = 1
MIB = 1024 * 1024


def log(message):
    print(f'kernel_launch: {message}', file=sys.stderr, flush=True)


def set_oom_score_adj(value):
    try:
        with open('/proc/self/oom_score_adj', 'w') as f:
            f.write(str(value))
    except OSError as error:
        log(f'could not set oom_score_adj: {error}')


def die_with_parent():
    parent = os.getppid()
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        log(f'prctl(PR_SET_PDEATHSIG) failed: {os.strerror(ctypes.get_errno())}')
    if os.getppid() != parent:
        os._exit(1)  # the parent died before the signal was armed


def set_limit(which, value):
    _, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(which, (value, value))


def user_task_count():
    """Threads of this real user: RLIMIT_NPROC counts them all, not just our own."""
    uid = str(os.getuid())
    total = 0
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open(f'/proc/{entry}/status') as f:
                fields = dict(line.split(':', 1) for line in f if ':' in line)
        except OSError:
            continue  # the process ended while we looked
        if fields.get('Uid', '').split()[:1] == [uid]:
            total += int(fields.get('Threads', '1').strip())
    return total


def apply_limits(args):
    set_limit(resource.RLIMIT_CORE, 0)
    if args.memory_mb:
        set_limit(resource.RLIMIT_DATA, args.memory_mb * MIB)
    if args.file_mb:
        set_limit(resource.RLIMIT_FSIZE, args.file_mb * MIB)
    if args.nproc_headroom:
        # The user's existing threads plus the headroom; ignored for root.
        set_limit(resource.RLIMIT_NPROC, user_task_count() + args.nproc_headroom)


def parse(argv):
    parser = argparse.ArgumentParser(prog='kernel_launch.py')
    parser.add_argument('--memory-mb', type=int, default=0)
    parser.add_argument('--file-mb', type=int, default=0)
    parser.add_argument('--nproc-headroom', type=int, default=0)
    parser.add_argument('command', nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if args.command[:1] == ['--']:
        args.command = args.command[1:]
    if not args.command:
        parser.error('no kernel command after --')
    return args


def main(argv):
    args = parse(argv)
    set_oom_score_adj(1000)
    die_with_parent()
    apply_limits(args)
    os.execv(args.command[0], args.command)


if __name__ == '__main__':
    main(sys.argv[1:])
