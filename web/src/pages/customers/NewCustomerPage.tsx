// /customers/new: the form for a new customer; on success, the new customer's page.
import { useNavigate } from "react-router-dom";
import { useMutation } from "urql";
import { CreateCustomerDocument } from "../../graphql/generated";
import { CustomerForm } from "./CustomerForm";
import {
  EMPTY_CUSTOMER_FORM,
  toCreateCustomerInput,
  type CustomerFormValues,
} from "./customerForm";
import { withNotice } from "./routeNotice";

/** The New customer screen: validates, sends `createCustomer`, opens the new customer. */
export function NewCustomerPage() {
  const navigate = useNavigate();
  const [result, createCustomer] = useMutation(CreateCustomerDocument);

  async function submit(values: CustomerFormValues) {
    const outcome = await createCustomer(
      { input: toCreateCustomerInput(values) },
      { additionalTypenames: ["Customer"] },
    );
    const created = outcome.data?.createCustomer;
    if (!outcome.error && created) {
      navigate(`/customers/${encodeURIComponent(created.id)}`, {
        state: withNotice(`Customer ${created.name} created.`),
      });
    }
  }

  return (
    <section>
      <h1>New customer</h1>
      <CustomerForm
        initial={EMPTY_CUSTOMER_FORM}
        submitLabel="Create customer"
        onSubmit={(values) => void submit(values)}
        busy={result.fetching}
        error={result.error}
      />
    </section>
  );
}
