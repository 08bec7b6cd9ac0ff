import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 240_000,
    // Loading the ONNX runtime in many workers at once is slower than running files in two.
    maxWorkers: 2,
  },
});
