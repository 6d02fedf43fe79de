/**
 * Who may import whom (DESIGN.md section 2), checked on every test run.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    { name: 'grading-knows-no-http', severity: 'error', from: { path: '^src/grading' }, to: { path: '^src/api' } },
    {
      name: 'sandbox-decides-nothing',
      comment: 'The sandbox runs code and decides nothing.',
      severity: 'error',
      from: { path: '^src/sandbox' },
      to: { path: '^src/(grading|store|api)' },
    },
    {
      name: 'references-are-pure',
      severity: 'error',
      from: { path: '^reference' },
      to: { path: '^(src|graders|worker)/' },
    },
    { name: 'static-checks-never-execute', severity: 'error', from: { path: '^src/notebook' }, to: { path: '^src/sandbox' } },
    {
      name: 'api-never-runs-student-code',
      severity: 'error',
      from: { path: '^src/api' },
      to: { path: '^src/sandbox|^src/grading/engine' },
    },
    { name: 'workers-hold-no-db-credentials', severity: 'error', from: { path: '^worker' }, to: { path: '^src/store' } },
    { name: 'store-knows-no-http', severity: 'error', from: { path: '^src/store' }, to: { path: '^src/api' } },
    { name: 'production-never-imports-tests', severity: 'error', from: { path: '^(src|reference|graders|worker)/' }, to: { path: '^test/' } },
    {
      name: 'not-to-dev-dep',
      severity: 'error',
      from: { path: '^(src|reference|graders|worker)/', pathNot: '\\.test\\.ts$' },
      to: { dependencyTypes: ['npm-dev'], pathNot: 'node_modules/@types/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^dist/|\\.test\\.ts$)' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
  },
};
