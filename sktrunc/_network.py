"""The ReLU network every sktrunc estimator hands back.

Layers are stored in scikit-learn's MLP orientation: ``coefs[l]`` has shape
``(n_in, n_out)`` and a layer computes ``relu(a @ coef + intercept)`` (the last
layer is affine).  The papers write ``W_l x + b_l`` with ``W_l`` of shape
``(n_out, n_in)``; ``coef = W_l.T``.
"""

import numpy as np

__all__ = ["ReLUNetwork", "relu", "ACTIVATIONS"]

_BLOCK_ROWS = 8192


def relu(x):
    """Ramp function ``max(x, 0)``, elementwise."""
    return np.maximum(x, 0.0)


def _softplus(x):
    return np.logaddexp(0.0, x)


# hidden activations a network can use: the ramp (the papers' σ), and the two smooth
# ones Chen & Moore's explicit construction also covers
ACTIVATIONS = {"relu": relu, "tanh": np.tanh, "softplus": _softplus}


class ReLUNetwork:
    """A feed-forward ReLU network given by its layers.

    Hidden layers compute ``relu(a @ coef + intercept)``; the last layer is
    affine, as in eq. (4) of Chen & Muñoz Ewald (JMLR 2025).

    Parameters
    ----------
    coefs : list of array-like, each of shape (n_in, n_out)
        Weight matrices in scikit-learn MLP orientation.
    intercepts : list of array-like, each of shape (n_out,)
        Bias vectors.
    activation : {"relu", "tanh", "softplus"}, default="relu"
        Hidden activation; ReLU unless a construction (Chen & Moore's explicit
        one) asks for a smooth one.

    Attributes
    ----------
    coefs : list of ndarray
        Float64 copies of the weight matrices.
    intercepts : list of ndarray
        Float64 copies of the bias vectors.

    Examples
    --------
    >>> import numpy as np
    >>> from sktrunc import ReLUNetwork
    >>> net = ReLUNetwork([np.eye(2), np.ones((2, 1))], [np.zeros(2), np.zeros(1)])
    >>> net.forward(np.array([[1.0, -2.0]]))
    array([[1.]])
    >>> net.layer_sizes, net.n_params
    ((2, 2, 1), 9)
    """

    def __init__(self, coefs, intercepts, activation="relu"):
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}; got "
                             f"{activation!r}.")
        self.activation = activation
        coefs = [np.asarray(c, dtype=np.float64) for c in coefs]
        intercepts = [np.asarray(b, dtype=np.float64).reshape(-1) for b in intercepts]
        if len(coefs) == 0 or len(coefs) != len(intercepts):
            raise ValueError(
                "A ReLUNetwork needs at least one layer and as many intercepts as "
                f"coefs; got {len(coefs)} coefs and {len(intercepts)} intercepts."
            )
        for i, (c, b) in enumerate(zip(coefs, intercepts)):
            if c.ndim != 2 or c.shape[1] != b.shape[0]:
                raise ValueError(
                    f"Layer {i}: coef of shape {c.shape} does not match intercept of "
                    f"shape {b.shape}; coefs are (n_in, n_out)."
                )
            if i > 0 and coefs[i - 1].shape[1] != c.shape[0]:
                raise ValueError(
                    f"Layer {i} expects {c.shape[0]} inputs but layer {i - 1} has "
                    f"{coefs[i - 1].shape[1]} outputs."
                )
        self.coefs = coefs
        self.intercepts = intercepts

    @classmethod
    def from_cumulative(cls, cumulative_coefs, cumulative_intercepts):
        """Build the real layers from cumulative parameters.

        With cumulative weights ``W^(l) = W_l ... W_1`` and biases ``b^(l)``
        (eq. 21-22 of the JMLR paper, eq. 2.43 of arXiv 2309.10639), the real
        layers are ``W_l = W^(l) (W^(l-1))^+`` and ``b_l = b^(l) - W_l b^(l-1)``
        (eq. 2.45), with ``W^(0) = I`` and ``b^(0) = 0``.

        Parameters
        ----------
        cumulative_coefs : list of array-like, each of shape (n_features, d_l)
            ``W^(l).T`` in scikit-learn orientation (the input dimension first).
        cumulative_intercepts : list of array-like, each of shape (d_l,)
            ``b^(l)``.

        Returns
        -------
        network : ReLUNetwork

        Notes
        -----
        The recursion reproduces the cumulative parameters exactly when each
        ``W^(l-1)`` is surjective onto its layer (the setting of the papers'
        Lemma 3.3); otherwise the pseudo-inverse gives the least-squares layer.
        The pseudo-inverse is applied through ``lstsq`` (never an explicit
        inverse).

        Examples
        --------
        >>> import numpy as np
        >>> from sktrunc import ReLUNetwork
        >>> W1 = np.array([[2.0, 0.0], [0.0, 1.0]])
        >>> net = ReLUNetwork.from_cumulative([W1, W1 @ np.ones((2, 1))],
        ...                                   [np.ones(2), np.zeros(1)])
        >>> net.coefs[1].ravel()
        array([1., 1.])
        >>> net.intercepts[1]
        array([-2.])
        """
        cum_c = [np.asarray(c, dtype=np.float64) for c in cumulative_coefs]
        cum_b = [np.asarray(b, dtype=np.float64).reshape(-1) for b in cumulative_intercepts]
        if len(cum_c) == 0 or len(cum_c) != len(cum_b):
            raise ValueError("cumulative_coefs and cumulative_intercepts must be "
                             "non-empty lists of equal length.")
        coefs, intercepts = [cum_c[0]], [cum_b[0]]
        for prev_c, prev_b, c, b in zip(cum_c[:-1], cum_b[:-1], cum_c[1:], cum_b[1:]):
            # W_l^T = (W^(l-1)^T)^+ W^(l)^T: min-norm solution of prev_c @ X = c
            coef = np.linalg.lstsq(prev_c, c, rcond=None)[0]
            coefs.append(coef)
            intercepts.append(b - prev_b @ coef)
        return cls(coefs, intercepts)

    @property
    def n_layers(self):
        """Number of layers with parameters (hidden layers plus the output layer)."""
        return len(self.coefs)

    @property
    def layer_sizes(self):
        """Tuple ``(d_0, d_1, ..., d_L)`` of layer widths, input first."""
        return (self.coefs[0].shape[0],) + tuple(c.shape[1] for c in self.coefs)

    @property
    def n_params(self):
        """Number of weights and biases."""
        return int(sum(c.size + b.size for c, b in zip(self.coefs, self.intercepts)))

    def hidden_outputs(self, X):
        """Activations of every hidden layer.

        Parameters
        ----------
        X : array-like of shape (n_samples, d_0)

        Returns
        -------
        activations : list of ndarray
            ``activations[l]`` has shape ``(n_samples, d_{l+1})``; one entry per
            hidden layer (the output layer is not included).
        """
        return self._propagate(np.asarray(X, dtype=np.float64), keep=True)[1]

    def _propagate(self, a, keep=False):
        """Run the hidden layers on ``a``; return the last activation (and all, if kept)."""
        kept = []
        relu_net = self.activation == "relu"
        sigma = ACTIVATIONS[self.activation]
        for c, b in zip(self.coefs[:-1], self.intercepts[:-1]):
            a = a @ c
            a += b
            if relu_net:
                np.maximum(a, 0.0, out=a)
            else:
                a = sigma(a)
            if keep:
                kept.append(a)
        return a, kept

    def forward(self, X):
        """Output of the network: ReLU on hidden layers, affine last layer.

        Parameters
        ----------
        X : array-like of shape (n_samples, d_0)

        Returns
        -------
        output : ndarray of shape (n_samples, d_L)
        """
        X = np.asarray(X)
        out = np.empty((X.shape[0], self.layer_sizes[-1]))
        # Row blocks keep each layer's activations in cache: with narrow layers the
        # pass is memory-bound, and whole-array temporaries cost more than the matmuls.
        for start in range(0, X.shape[0], _BLOCK_ROWS):
            a = self._propagate(np.asarray(X[start:start + _BLOCK_ROWS], dtype=np.float64))[0]
            out[start:start + _BLOCK_ROWS] = a @ self.coefs[-1] + self.intercepts[-1]
        return out

    def to_mlp(self, **mlp_params):
        """A fitted-state :class:`~sklearn.neural_network.MLPRegressor` equal to this network.

        The regressor's ``predict`` equals :meth:`forward` to float precision
        (raveled when there is a single output, as scikit-learn does), and
        ``fit`` with ``warm_start=True`` continues by gradient descent from
        these weights.

        Parameters
        ----------
        **mlp_params
            Passed to ``MLPRegressor`` (e.g. ``solver='sgd'``,
            ``learning_rate_init=1e-3``, ``warm_start=True``).
            ``hidden_layer_sizes`` and ``activation`` are set from the network.

        Returns
        -------
        mlp : MLPRegressor

        Examples
        --------
        >>> import numpy as np
        >>> from sktrunc import ReLUNetwork
        >>> rng = np.random.default_rng(0)
        >>> net = ReLUNetwork([rng.normal(size=(3, 4)), rng.normal(size=(4, 2))],
        ...                   [rng.normal(size=4), rng.normal(size=2)])
        >>> X = rng.normal(size=(5, 3))
        >>> mlp = net.to_mlp(warm_start=True)
        >>> bool(np.allclose(mlp.predict(X), net.forward(X)))
        True
        """
        from sklearn.neural_network import MLPRegressor

        if self.n_layers < 2:
            raise ValueError("to_mlp needs at least one hidden layer; this network "
                             "is affine.")
        if self.activation == "softplus":
            raise ValueError("scikit-learn's MLPRegressor has no softplus activation; a "
                             "softplus network cannot be converted.")
        for key in ("hidden_layer_sizes", "activation"):
            if key in mlp_params:
                raise TypeError(f"{key} is fixed by the network and cannot be passed.")
        mlp = MLPRegressor(hidden_layer_sizes=self.layer_sizes[1:-1],
                           activation=self.activation, **mlp_params)
        # The attributes MLPRegressor._initialize would set, so that predict and
        # a warm-started fit both take these weights as the current state.
        mlp.coefs_ = [c.copy() for c in self.coefs]
        mlp.intercepts_ = [b.copy() for b in self.intercepts]
        mlp.n_features_in_ = self.layer_sizes[0]
        mlp.n_outputs_ = self.layer_sizes[-1]
        mlp.n_layers_ = self.n_layers + 1
        mlp.out_activation_ = "identity"
        mlp.n_iter_ = 0
        mlp.t_ = 0
        mlp._best_coefs = [c.copy() for c in self.coefs]
        mlp._best_intercepts = [b.copy() for b in self.intercepts]
        mlp.loss_curve_ = []
        mlp._no_improvement_count = 0
        mlp.best_loss_ = np.inf
        mlp.validation_scores_ = None
        mlp.best_validation_score_ = None
        return mlp

    def __repr__(self):
        act = "" if self.activation == "relu" else f", activation={self.activation!r}"
        return f"ReLUNetwork(layer_sizes={self.layer_sizes}, n_params={self.n_params}{act})"
