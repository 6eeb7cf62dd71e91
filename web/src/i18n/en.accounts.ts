// Registration and account recovery (Stage 8, ADR 0009). Same keys as zh-CN.accounts.ts.
const accountsEn = {
  accounts: {
    usernameOrEmail: 'Username or e-mail',
    forgot: 'Forgot your password?',
    usernameHelp: '2–32 characters: letters of any language, digits, _ . -',
    email: 'E-mail',
    emailHelp: 'For order and refund notifications, and to reset your password',
    emailRequired: 'Enter your e-mail address',
    emailInvalid: 'This is not a valid e-mail address',
    phoneOptional: 'Mobile number (optional)',
    phoneHelp: 'A mainland China mobile number; stored only, not verified yet',
    phoneInvalid: 'Enter an 11-digit mainland China mobile number starting with 1',
    passwordHelp:
      'At least 8 characters; no common passwords (like 12345678 or woaini1314), and not containing your username',
    confirmPassword: 'Confirm password',
    confirmRequired: 'Enter the password again',
    mismatch: 'The two passwords do not match',
    strength: { label: 'Strength', weak: 'weak', medium: 'fair', strong: 'strong' },
    sent: {
      title: 'Check your e-mail',
      register:
        'We sent an e-mail to {{email}}. Open its link to finish registering and sign in (valid 24 hours). If that address already has an account, the mail tells you how to sign in or reset the password.',
      reset:
        'If the account exists and has an e-mail address, we sent it a link to reset the password (valid 30 minutes).',
      sandbox: 'Sandbox mode: see this mail in the sandbox mailbox',
      noMail: 'Nothing arrived? Check the spam folder, or try again later.',
    },
    confirm: {
      title: 'Finish registering',
      intro: 'Press the button to create your account and sign in.',
      submit: 'Create account and sign in',
      chooseUsername: 'That username is taken; choose another',
      missing: 'The link is incomplete; open it again from the e-mail.',
    },
    forgotPage: {
      title: 'Reset your password',
      intro: 'Enter your username or e-mail address; we will send a reset link to the account’s e-mail.',
      submit: 'Send the reset e-mail',
    },
    resetPage: {
      title: 'Choose a new password',
      newPassword: 'New password',
      submit: 'Save the new password',
      done: 'Your password was reset and every device signed out. Sign in with the new password.',
      missing: 'The link is incomplete; open it again from the e-mail, or ask for a new one.',
      again: 'Ask for a new link',
    },
    mailbox: {
      title: 'Sandbox mailbox',
      intro:
        'Only in sandbox/demo mode: the e-mail the platform sent to an address (registration, password reset, notifications).',
      address: 'E-mail address',
      open: 'Open',
      empty: 'No mail for this address yet (it can take a few seconds to appear).',
      refresh: 'Refresh',
      state: { PENDING: 'queued', SENT: 'sent', FAILED: 'failed' },
    },
  },
};

export default accountsEn;
