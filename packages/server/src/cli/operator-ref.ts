// Commands name an operator by email (what people remember) or by id.
import type { Operator, Operators } from 'tenantry/control';
import { controlErrors } from 'tenantry/control';

/**
 * The operator with that email (any case) or id; throws OPERATOR_NOT_FOUND.
 *
 * @example const ada = await findOperator(control.operators, 'ada@platform.example');
 */
export async function findOperator(operators: Operators, ref: string): Promise<Operator> {
  if (!ref.includes('@')) return operators.get(ref);
  const email = ref.trim().toLowerCase();
  const found = (await operators.list()).find((o) => o.email.toLowerCase() === email);
  if (!found) throw controlErrors.create('OPERATOR_NOT_FOUND');
  return found;
}
