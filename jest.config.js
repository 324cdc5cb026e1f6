/**
 * `npm test`: unit tests, the medium tier (repositories and services on a real database, without
 * HTTP) and the e2e suite, on the embedded SQLite database and, when MYSQL_URL is set (CI sets
 * it), the medium and e2e tiers again on MySQL / MariaDB.
 */
const transform = {
  '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.jest.json', diagnostics: false }],
};
const base = { testEnvironment: 'node', transform, moduleFileExtensions: ['ts', 'js', 'json'], rootDir: __dirname };

const projects = [
  { ...base, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.spec.ts', '<rootDir>/src/**/*.spec.ts'] },
  { ...base, displayName: 'medium-sqlite', testMatch: ['<rootDir>/test/medium/**/*.medium-spec.ts'], setupFiles: ['<rootDir>/test/support/db-sqlite.ts'] },
  { ...base, displayName: 'e2e-sqlite', testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'], setupFiles: ['<rootDir>/test/support/db-sqlite.ts'] },
];
if (process.env.MYSQL_URL) {
  projects.push({
    ...base,
    displayName: 'medium-mysql',
    testMatch: ['<rootDir>/test/medium/**/*.medium-spec.ts'],
    setupFiles: ['<rootDir>/test/support/db-mysql.ts'],
  });
  projects.push({ ...base, displayName: 'e2e-mysql', testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'], setupFiles: ['<rootDir>/test/support/db-mysql.ts'] });
}

module.exports = { projects, maxWorkers: 2, testTimeout: 60000 };
