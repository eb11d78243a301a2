/** The handler registry: task type → handler. Which handlers exist depends on configuration. */
import { simulateHandler } from './simulate';
import { sleepHandler } from './sleep';
import type { HandlerRegistry, TaskHandler } from './types';
import { createWebhookHandler } from './webhook';

export interface HandlerOptions {
  demoHandlers: boolean;
  webhookUrl?: string | undefined;
}

export function createHandlerRegistry(options: HandlerOptions, extra: TaskHandler[] = []): HandlerRegistry {
  const handlers: TaskHandler[] = [sleepHandler as TaskHandler];
  if (options.demoHandlers) handlers.push(simulateHandler as TaskHandler);
  if (options.webhookUrl) handlers.push(createWebhookHandler(options.webhookUrl) as TaskHandler);
  handlers.push(...extra);
  return new Map(handlers.map((h) => [h.type, h]));
}

export type { HandlerRegistry, TaskContext, TaskHandler } from './types';
