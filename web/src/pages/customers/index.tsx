export function CustomersPage() { return <h1>CustomersPage (to do)</h1>; }
export function CustomerDetailPage() { return <h1>CustomerDetailPage (to do)</h1>; }
export function NewCustomerPage() { return <h1>NewCustomerPage (to do)</h1>; }
