// The app shell: header with navigation (and the registry dashboard link), then the screens.
import { NavLink, Navigate, Route, Routes } from "react-router-dom";
import { useConfig } from "./config";
import { CustomerDetailPage, CustomersPage, NewCustomerPage } from "./pages/customers";
import { InvoiceDetailPage, InvoicesPage } from "./pages/invoices";
import { NewOrderPage, OrderDetailPage, OrdersPage } from "./pages/orders";
import { NewProductPage, ProductDetailPage, ProductsPage } from "./pages/products";
import { PlaygroundPage } from "./playground/PlaygroundPage";

/** Header and routes of the SPA. */
export function App() {
  const config = useConfig();
  return (
    <div className="app">
      <header className="app-header">
        <NavLink to="/" className="brand">
          Trellis
        </NavLink>
        <nav aria-label="Main">
          <NavLink to="/customers">Customers</NavLink>
          <NavLink to="/products">Products</NavLink>
          <NavLink to="/invoices">Invoices</NavLink>
          <NavLink to="/orders">Orders</NavLink>
          <NavLink to="/playground">Playground</NavLink>
          {config.registryUrl ? (
            <a href={config.registryUrl} target="_blank" rel="noreferrer">
              Registry
            </a>
          ) : null}
        </nav>
      </header>
      <main className="app-main">
        <Routes>
          <Route path="/" element={<Navigate to="/invoices" replace />} />
          <Route path="/customers" element={<CustomersPage />} />
          <Route path="/customers/new" element={<NewCustomerPage />} />
          <Route path="/customers/:id" element={<CustomerDetailPage />} />
          <Route path="/products" element={<ProductsPage />} />
          <Route path="/products/new" element={<NewProductPage />} />
          <Route path="/products/:id" element={<ProductDetailPage />} />
          <Route path="/invoices" element={<InvoicesPage />} />
          <Route path="/invoices/:id" element={<InvoiceDetailPage />} />
          <Route path="/orders" element={<OrdersPage />} />
          <Route path="/orders/new" element={<NewOrderPage />} />
          <Route path="/orders/:id" element={<OrderDetailPage />} />
          <Route path="/playground" element={<PlaygroundPage />} />
          <Route path="*" element={<NotFoundPage />} />
        </Routes>
      </main>
    </div>
  );
}

function NotFoundPage() {
  return (
    <section>
      <h1>Not found</h1>
      <p>
        There is no page here. <NavLink to="/invoices">Go to the invoices.</NavLink>
      </p>
    </section>
  );
}
