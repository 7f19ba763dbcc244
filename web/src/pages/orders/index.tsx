// The order screens: the list (/orders), a new order (/orders/new) and one order (/orders/:id).
export { NewOrderPage } from "./NewOrderPage";
export { OrderDetailPage } from "./OrderDetailPage";
export { OrdersPage } from "./OrdersPage";
