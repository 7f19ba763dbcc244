export function InvoicesPage() { return <h1>InvoicesPage (to do)</h1>; }
export function InvoiceDetailPage() { return <h1>InvoiceDetailPage (to do)</h1>; }
