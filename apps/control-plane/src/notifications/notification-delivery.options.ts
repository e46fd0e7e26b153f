export const NOTIFICATION_DELIVERY_OPTIONS = Symbol('NOTIFICATION_DELIVERY_OPTIONS');

export interface NotificationDeliveryOptions {
  /**
   * Whether this process sends email: the worker always does; the control plane when
   * NOTIFICATIONS_WORKER_IN_PROCESS is true. Every process sweeps, and relays when there is a
   * queue to relay to (REDIS_URL) or it delivers itself.
   */
  delivers: boolean;
}
