// The money pages, one chunk the console fetches the first time one of them is opened (app.tsx): a business that
// does not take payments through Portico never downloads them, and the first visit stays within its budget.
export { PaymentsPage } from './payments.tsx';
export { TabsPage } from './tabs.tsx';
export { TabPage } from './tab.tsx';
export { InvoicesPage } from './invoices.tsx';
export { InvoicePage } from './invoice.tsx';
