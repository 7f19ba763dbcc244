// The login screen.
export { LoginPage } from "./LoginPage";
