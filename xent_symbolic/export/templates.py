"""The text every generated module shares: the formulas its docstring quotes and the hyperparameter checks
(each backend's driver is in export/backends/)."""

from __future__ import annotations

BINARY_FORMULAS = """
Formulas (i = 1..n examples, j = 1..d features)
  z_i    = sum_j X_ij w_j + b                                   (z = X @ w + b)
  l_i    = y_i softplus(-z_i) + (1 - y_i) softplus(z_i)          (bce-logits, y_i in [0, 1])
         = softplus(s_i z_i),  s_i = 1 - 2 y_i, for y_i in {0, 1}   (bce-sign-flip)
  softplus(x) = max(x, 0) + log1p(exp(-|x|))                     (overflow-free)
  g_i    = dl_i/dz_i = (1 - y_i) sigmoid(z_i) - y_i sigmoid(-z_i)  (= sigmoid(z_i) - y_i)
  sigmoid(x)  = exp(min(x, 0)) / (1 + exp(-|x|))                 (overflow-free)
  J      = (1/n) sum_i l_i
  dJ/dw  = (1/n) X^T g,   dJ/db = (1/n) 1^T g      (linear-model-gradient, linear-model-bias, matrix form)
         = (1/n) X^T (sigmoid(X w + b) - y)                      (logistic-regression, matrix form)
  with sample_weight=s and l2=lambda (regularised-objective, l2-penalty-gradient; the bias is not penalised):
  J      = (1/n) sum_i s_i l_i + (lambda/2) ||w||^2    (divided by n, not sum_i s_i, as sklearn's objective)
  dJ/dw  = (1/n) X^T (s g) + lambda w,   dJ/db = (1/n) sum_i s_i g_i

Inputs
  X  float32 or float64 array (n, d); the computation runs in X's dtype
  y  labels (n,), in [0, 1] (hard labels 0/1 or soft labels); bool and integer labels are accepted
  w  weights (d,); b  bias, a scalar
Errors: InputError (a ValueError) for a wrong shape or dtype, a label outside [0, 1] or nan in y, nan or inf in w or b.
nan or inf in X is not checked (it would cost a pass over X): it propagates into the loss and gradient.
"""


SOFTMAX_FORMULAS = """
Formulas (i = 1..n examples, j = 1..d features, k = 1..K classes)
  Z_ik   = sum_j X_ij W_kj + b_k                                 (Z = X @ W.T + b)
  U_ik   = Z_ik - max_k Z_ik                                     (shifted logits: every U_ik <= 0)
  lse_i  = log1p(sum_k exp(U_ik) - 1)                           (softmax-logits: max-shifted log-sum-exp)
         = log1p(rest_i), rest_i the sum without one max term (exp(0) = 1): a loss near 0 keeps its digits
  l_i    = sum_k Y_ik (lse_i - U_ik)                             (= log sum_k exp(Z_ik) - sum_k Y_ik Z_ik)
  P_ik   = exp(U_ik) / (1 + rest_i)                              (softmax probabilities)
  G_ik   = (1 - Y_ik) P_ik - Y_ik (rest_i - expm1(U_ik)) / (1 + rest_i)   (softmax-logits-gradient)
         = P_ik - Y_ik = dl_i/dZ_ik, without cancellation where P_ik is near 1
  J      = (1/n) sum_i l_i
  dJ/dW  = (1/n) (P - Y)^T X,   dJ/db = (1/n) (P - Y)^T 1   (softmax-regression, softmax-regression-bias, matrix form)
  with sample_weight=s and l2=lambda (regularised-objective, l2-penalty-gradient; the biases are not penalised):
  J      = (1/n) sum_i s_i l_i + (lambda/2) ||W||^2    (divided by n, not sum_i s_i, as sklearn's objective)
  dJ/dW  = (1/n) (s (P - Y))^T X + lambda W,   dJ/db = (1/n) sum_i s_i (P - Y)_i

Inputs
  X  float32 or float64 array (n, d); the computation runs in X's dtype
  Y  one-hot or probability rows (n, K), or integer labels (n,) in 0..K-1
  W  weights (K, d); b  biases (K,)
  sample_weight  None or (n,) finite weights >= 0 (keyword-only); l2  a float >= 0 (keyword-only)
Errors: InputError (a ValueError) for a wrong shape or dtype, labels outside 0..K-1, rows of Y outside [0, 1]
or not summing to 1, nan in Y, nan or inf in W or b. nan or inf in X is not checked: it propagates into the results.
"""


def steps_text(count: int) -> str:
    """A derivation's step count in a header's list of derivations: ' 1 step  ', '10 steps ' (8 wide)."""
    return f"{count:>2} step{'' if count == 1 else 's'}".ljust(8)


# validation of the keyword-only hyperparameters (plain Python floats: they keep float32 arrays float32)
HYPERPARAMETER_HELPER = '''

def _hyperparameter(name, value, low, high, interval):
    """`value` as a float, if it is a real number in `interval` (written '(0, 1)' or '[0, inf)')."""
@traced@    try:
        number = None if isinstance(value, (str, bytes)) else float(value)
    except (TypeError, ValueError):
        number = None
    if number is None:
        raise InputError(f"{name} must be a real number, got {value!r}")
    above = number > low if interval[0] == "(" else number >= low
    below = number < high if interval[-1] == ")" else number <= high
    if not (above and below):
        raise InputError(f"{name} must lie in {interval}, got {name} = {number!r}")
    return number


def _hyperparameters(@names@):
    """The hyperparameters, checked against the domains the stable derivations assume."""
    return (
@checks@
    )
'''
