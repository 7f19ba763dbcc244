// The invoice screens: the list (/invoices) and one invoice (/invoices/:id).
export { InvoiceDetailPage } from "./InvoiceDetailPage";
export { InvoicesPage } from "./InvoicesPage";
