import { z } from 'zod';

/**
 * The EventBridge "Scheduled Event" a schedule rule sends when it has no custom input
 * (EventBridge user guide, "Amazon EventBridge events"). The function answers it with a verify run.
 * Only the fields that identify it are checked; the rest pass through.
 */
export const scheduledEventSchema = z.looseObject({
  'detail-type': z.literal('Scheduled Event'),
  source: z.literal('aws.events'),
  time: z.string().optional(),
  resources: z.array(z.string()).optional(),
});

export type ScheduledEvent = z.infer<typeof scheduledEventSchema>;
