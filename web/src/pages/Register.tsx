import { api } from '../api';
import { AuthForm } from './AuthForm';

export function RegisterPage() {
  return <AuthForm mode="register" submit={(v) => api.register(v)} />;
}
