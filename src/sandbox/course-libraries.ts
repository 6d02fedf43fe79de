/**
 * The course's library stack: what every sandbox provides (docker/sandbox/packages.txt
 * installs the Debian packages; the process sandbox uses the host's python, set up the
 * same way by .ci/run). Feedback names it when a notebook imports something else.
 */
export interface CourseLibrary {
  /** What `import` names. */
  module: string;
  /** What students know it as (pip's name). */
  name: string;
  /** The Debian bookworm package that provides it. */
  debian: string;
}

export const COURSE_LIBRARIES: readonly CourseLibrary[] = Object.freeze([
  { module: 'numpy', name: 'numpy', debian: 'python3-numpy' },
  { module: 'torch', name: 'torch', debian: 'python3-torch' },
  { module: 'torchvision', name: 'torchvision', debian: 'python3-torchvision' },
  { module: 'matplotlib', name: 'matplotlib', debian: 'python3-matplotlib' },
  { module: 'pandas', name: 'pandas', debian: 'python3-pandas' },
  { module: 'sklearn', name: 'scikit-learn', debian: 'python3-sklearn' },
  { module: 'scipy', name: 'scipy', debian: 'python3-scipy' },
  { module: 'PIL', name: 'pillow', debian: 'python3-pil' },
  { module: 'ipywidgets', name: 'ipywidgets', debian: 'python3-ipywidgets' },
  { module: 'tqdm', name: 'tqdm', debian: 'python3-tqdm' },
  { module: 'seaborn', name: 'seaborn', debian: 'python3-seaborn' },
]);

/** Libraries course notebooks of other years used that the grader does not provide. */
export const NOT_PROVIDED: readonly string[] = Object.freeze(['fastai', 'transformers', 'datasets']);

export function isCourseLibrary(module: string): boolean {
  return COURSE_LIBRARIES.some((l) => l.module === module);
}

/** One sentence for a student whose notebook imports a module the grader lacks. */
export function availableLibrariesText(): string {
  const names = COURSE_LIBRARIES.map((l) => (l.name === l.module ? l.name : `${l.name} (\`import ${l.module}\`)`));
  return `The grader provides the course's libraries only: ${names.join(', ')} and Python's standard library; ` +
    `${NOT_PROVIDED.join(', ')} are not available, and nothing can be installed while grading (no network).`;
}
