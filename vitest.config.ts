import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // most suites wait on real processes, sockets and timers, not on the CPU: two at a time on 2 cores
    maxWorkers: 2,
    reporters: process.env.CI ? ['default', 'junit'] : ['default'],
    outputFile: { junit: 'test-output/junit.xml' },
  },
});
