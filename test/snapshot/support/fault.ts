import type { Driver, Transaction } from '../../../lambda/driver/driver';
import { DriverError } from '../../../lambda/driver/errors';

/**
 * A driver whose next statement in a transaction fails, once `armed`, with the error a dropped
 * connection gives (DriverError `unavailable`, ECONNRESET). A real fault would be terminating the
 * snapshot's backend, but `PgDriver` does not listen for `error` on a client it has checked out for a
 * transaction, so the `pg` client's error event goes unhandled and brings the test run down.
 */
export function withFault(driver: Driver): Driver & { armed: boolean; fired: boolean } {
  const faulty = Object.assign(Object.create(driver) as Driver, { armed: false, fired: false });
  faulty.beginTransaction = async (): Promise<Transaction> => {
    const tx = await driver.beginTransaction();
    return Object.assign(Object.create(tx) as Transaction, {
      execute: ((...args: Parameters<Transaction['execute']>) => {
        if (faulty.armed && !faulty.fired) {
          faulty.fired = true;
          return Promise.reject(new DriverError('Connection reset by peer', 'unavailable', 'ECONNRESET'));
        }
        return tx.execute(...args);
      }) as Transaction['execute'],
    });
  };
  return faulty;
}
