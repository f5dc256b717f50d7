// The money paths of the Client API and the Admin API: saved cards, tabs, invoices, credit notes and receipts.
import { body, ok, op, pathParam, query, type Paths } from '../../../lib/openapi.ts';
import * as documents from '../documents/service.ts';
import { confirmInput } from '../payments/methods.ts';
import * as tabs from '../tabs/service.ts';
import { settleInput, staffSettleInput } from '../tabs/settle.ts';

const id = pathParam('id');
const settleAnswer =
  'Where the payment stands: `succeeded`, `pending` (Stripe will say, by webhook; a live `tab` event follows), `requires_action` (confirm with Stripe.js using `clientSecret` and `publishableKey`, then call `settle/refresh`) or `failed` (with `failure`, the tab stays open)';

export const moneyClientPaths: Paths = {
  '/payment-methods': {
    get: op("The customer's saved cards (brand, last 4, expiry, wallet, default, expiring within 60 days); scope `payments`"),
    post: op(
      'Save the card of a SetupIntent the browser confirmed: 201 with the card when Stripe says it succeeded, else 202 and it arrives by webhook; scope `payments:write`',
      { requestBody: body(confirmInput) },
      ok('Saved', 201),
    ),
  },
  '/payment-methods/setup': {
    post: op(
      'Start adding a card: a SetupIntent client secret and the publishable key for Stripe.js; scope `payments:write`',
      {},
      ok('Started', 201),
    ),
  },
  '/payment-methods/{id}/default': { post: op('Make this card the default', { parameters: [id] }) },
  '/payment-methods/{id}': { delete: op('Remove a card (detached at Stripe)', { parameters: [id] }, ok('Removed', 204)) },
  '/tabs': { get: op("The customer's tabs (open by default); scope `payments`", { parameters: query(tabs.listQuery) }) },
  '/tabs/{id}': { get: op('One tab: lines with tax per line, discount, totals, payment state', { parameters: [id] }) },
  '/tabs/{id}/settle': {
    post: op(
      `Pay the tab with a saved card or a new one ('new'), with an optional tip in minor units. ${settleAnswer}. 409 payment_in_progress / tab_changed / tab_not_open; scope \`payments:write\``,
      { parameters: [id], requestBody: body(settleInput) },
    ),
  },
  '/tabs/{id}/settle/refresh': {
    post: op(`After Stripe.js handled 3-D Secure or confirmed a new card: ask Stripe again. ${settleAnswer}`, { parameters: [id] }),
  },
  '/documents': {
    get: op("The customer's invoices, credit notes and receipts, newest first; scope `payments`", { parameters: query(documents.listQuery) }),
  },
  '/documents/{id}': { get: op('One invoice, credit note or receipt', { parameters: [id] }) },
  '/documents/{id}/pdf': {
    get: op("The document as a PDF branded like the primary portal, with the business's legal name, address and tax number (application/pdf)", {
      parameters: [id],
    }),
  },
};

export const moneyAdminPaths: Paths = {
  '/customers/{id}/payment-methods': { get: op("A customer's saved cards, to charge a card on file", { parameters: [id] }) },
  '/tabs': {
    get: op("The organisation's tabs (open by default)", { parameters: query(tabs.staffListQuery) }),
    post: op(
      'Open a tab for a customer, in the currency and tax mode of the payment settings; staff',
      { requestBody: body(tabs.openInput) },
      ok('Opened', 201),
    ),
  },
  '/tabs/{id}': { get: op('One tab, with the customer and the Stripe PaymentIntent of its payment', { parameters: [id] }) },
  '/tabs/{id}/lines': {
    post: op(
      'Add a line (minor units; tax rate by id from the payment settings, or none); at most 200 lines; 409 while a payment runs',
      { parameters: [id], requestBody: body(tabs.lineInput) },
      ok('Added', 201),
    ),
  },
  '/tabs/{id}/lines/{line}': { delete: op('Remove a line', { parameters: [id, pathParam('line')] }) },
  '/tabs/{id}/discount': {
    put: op('Set a discount (percent, or an amount in minor units), shared out over the lines before tax', {
      parameters: [id],
      requestBody: body(tabs.discountInput),
    }),
    delete: op('Remove the discount', { parameters: [id] }),
  },
  '/tabs/{id}/void': { post: op('Close the tab without payment, with a reason', { parameters: [id], requestBody: body(tabs.voidInput) }) },
  '/tabs/{id}/settle': {
    post: op(
      `Settle at the counter: the card on file (the one named, or the default; charged off-session) or cash recorded by staff. ${settleAnswer}`,
      { parameters: [id], requestBody: body(staffSettleInput) },
    ),
  },
  '/documents': { get: op('Invoices, credit notes and receipts, newest first; `next` continues', { parameters: query(documents.staffListQuery) }) },
  '/documents.csv': {
    get: op('The same as CSV for the accountant (amounts in major units; credit notes negative)', {
      parameters: query(documents.staffListQuery.omit({ limit: true, before: true })),
    }),
  },
  '/documents/{id}': { get: op('One document; invoices say what can still be `refundable`', { parameters: [id] }) },
  '/documents/{id}/pdf': { get: op('The document as a PDF (application/pdf)', { parameters: [id] }) },
  '/documents/{id}/refunds': {
    post: op(
      'Refund all (no amount) or part of a paid invoice: a credit note with its own number; card payments are refunded at Stripe; admin',
      { parameters: [id], requestBody: body(documents.refundInput) },
      ok('Credit note issued', 201),
    ),
  },
};
