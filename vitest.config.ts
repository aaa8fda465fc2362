import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // two files at a time: most suites wait on real processes, brokers and timers rather than
    // the CPU, so on the 2-core CI machine this halves the wall time (~25 min serial)
    maxWorkers: 2,
    reporters: process.env.CI ? ['default', 'junit'] : ['default'],
    outputFile: { junit: 'test-output/junit.xml' },
  },
});
