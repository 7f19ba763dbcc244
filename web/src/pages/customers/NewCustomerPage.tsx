// /customers/new: the form for a new customer; on success, the new customer's page.
import { useCreateRecord } from "../../components/useCreateRecord";
import { CreateCustomerDocument } from "../../graphql/generated";
import { CustomerForm } from "./CustomerForm";
import { EMPTY_CUSTOMER_FORM, toCreateCustomerInput } from "./customerForm";

/** The New customer screen: validates, sends `createCustomer`, opens the new customer. */
export function NewCustomerPage() {
  const [result, create] = useCreateRecord(CreateCustomerDocument, {
    typename: "Customer",
    listPath: "/customers",
    created: (data) => data.createCustomer,
  });
  return (
    <section>
      <h1>New customer</h1>
      <CustomerForm
        initial={EMPTY_CUSTOMER_FORM}
        submitLabel="Create customer"
        onSubmit={(values) => void create(toCreateCustomerInput(values))}
        busy={result.fetching}
        error={result.error}
      />
    </section>
  );
}
