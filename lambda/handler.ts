/**
 * The Lambda function's entry point (bundled by esbuild through the construct's NodejsFunction).
 * See `function/create-handler.ts` for the events it answers.
 */
import { createHandler } from './function/create-handler';

export const handler = createHandler();
