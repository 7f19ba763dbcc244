export function OrdersPage() { return <h1>OrdersPage (to do)</h1>; }
export function OrderDetailPage() { return <h1>OrderDetailPage (to do)</h1>; }
export function NewOrderPage() { return <h1>NewOrderPage (to do)</h1>; }
