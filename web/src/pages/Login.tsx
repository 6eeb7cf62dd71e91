import { api } from '../api';
import { AuthForm } from './AuthForm';

export function LoginPage() {
  return <AuthForm submit={(v) => api.login({ username: v.username, password: v.password })} />;
}
