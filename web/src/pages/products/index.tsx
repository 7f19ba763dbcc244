export function ProductsPage() { return <h1>ProductsPage (to do)</h1>; }
export function ProductDetailPage() { return <h1>ProductDetailPage (to do)</h1>; }
export function NewProductPage() { return <h1>NewProductPage (to do)</h1>; }
