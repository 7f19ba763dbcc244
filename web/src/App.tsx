// The app shell: header with navigation (the signed-in person's, by scope), who is signed in and
// "Log out", then the screens: /login for everyone, every other screen behind a session.
import { NavLink, Navigate, Route, Routes } from "react-router-dom";
import { RequireScope, RequireSession, describeSession, isStaff, useAuth } from "./auth";
import { useConfig } from "./config";
import { CustomerDetailPage, CustomersPage, NewCustomerPage } from "./pages/customers";
import { InvoiceDetailPage, InvoicesPage } from "./pages/invoices";
import { LoginPage } from "./pages/login";
import { NewOrderPage, OrderDetailPage, OrdersPage } from "./pages/orders";
import { NewProductPage, ProductDetailPage, ProductsPage } from "./pages/products";
import { PlaygroundPage } from "./playground/PlaygroundPage";

/** Header and routes of the SPA. */
export function App() {
  return (
    <div className="app">
      <AppHeader />
      <main className="app-main">
        <Routes>
          <Route path="/login" element={<LoginPage />} />
          <Route element={<RequireSession />}>
            <Route path="/" element={<Navigate to="/invoices" replace />} />
            <Route
              path="/customers"
              element={
                <RequireScope scope="customers:read">
                  <CustomersPage />
                </RequireScope>
              }
            />
            <Route
              path="/customers/new"
              element={
                <RequireScope scope="customers:write">
                  <NewCustomerPage />
                </RequireScope>
              }
            />
            <Route path="/customers/:id" element={<CustomerDetailPage />} />
            <Route path="/products" element={<ProductsPage />} />
            <Route
              path="/products/new"
              element={
                <RequireScope scope="inventory:write">
                  <NewProductPage />
                </RequireScope>
              }
            />
            <Route path="/products/:id" element={<ProductDetailPage />} />
            <Route path="/invoices" element={<InvoicesPage />} />
            <Route path="/invoices/:id" element={<InvoiceDetailPage />} />
            <Route path="/orders" element={<OrdersPage />} />
            <Route
              path="/orders/new"
              element={
                <RequireScope scope="orders:write">
                  <NewOrderPage />
                </RequireScope>
              }
            />
            <Route path="/orders/:id" element={<OrderDetailPage />} />
            <Route path="/playground" element={<PlaygroundPage />} />
            <Route path="*" element={<NotFoundPage />} />
          </Route>
        </Routes>
      </main>
    </div>
  );
}

/**
 * The header: the brand; for a signed-in person the navigation (Customers only with
 * customers:read; Playground and Registry for staff), who they are ("ada (customer)", test id
 * `session-user`) and the "Log out" button.
 */
export function AppHeader() {
  const config = useConfig();
  const { session, can, logout } = useAuth();
  return (
    <header className="app-header">
      <NavLink to="/" className="brand">
        Trellis
      </NavLink>
      {session ? (
        <>
          <nav aria-label="Main">
            {can("customers:read") ? <NavLink to="/customers">Customers</NavLink> : null}
            <NavLink to="/products">Products</NavLink>
            <NavLink to="/invoices">Invoices</NavLink>
            <NavLink to="/orders">Orders</NavLink>
            {isStaff(session) ? <NavLink to="/playground">Playground</NavLink> : null}
            {isStaff(session) && config.registryUrl ? (
              <a href={config.registryUrl} target="_blank" rel="noreferrer">
                Registry
              </a>
            ) : null}
          </nav>
          <div className="session">
            <span data-testid="session-user">{describeSession(session)}</span>
            <button type="button" className="secondary" onClick={() => void logout()}>
              Log out
            </button>
          </div>
        </>
      ) : null}
    </header>
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
