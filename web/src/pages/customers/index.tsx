// The Customers screens: list, detail (with invoices and orders), new customer.
export { CustomersPage } from "./CustomersPage";
export { CustomerDetailPage } from "./CustomerDetailPage";
export { NewCustomerPage } from "./NewCustomerPage";
