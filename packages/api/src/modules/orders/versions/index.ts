import {
  versionedRequest,
  versionedResponse,
} from '../../../platform/versioning/representation.js';
import { CreateOrderBody, Order, type CreateOrderInput, type OrderView } from '../schemas.js';
import { createOrderMoneyObjects, orderMoneyObjects } from './v2-money-objects.js';

/** An order as each API version shows it: the core shape, then each change since, in order. */
export const orderRepresentation = versionedResponse<OrderView>(Order, [orderMoneyObjects]);

/** The create-order body each API version accepts. */
export const createOrderRequest = versionedRequest<CreateOrderInput>(CreateOrderBody, [
  createOrderMoneyObjects,
]);

/** Every change to orders, for the changelog in each version's document. */
export const orderChanges = [...orderRepresentation.changes, ...createOrderRequest.changes];
