"""A fully connected classifier assembled from the course's layers — written by you.

:class:`FullyConnectedNet` stacks ``L - 1`` hidden blocks and one output layer::

    hidden block l:  affine -> [batchnorm | layernorm] -> activation -> [dropout] (+ skip)
    output layer:    affine -> scores

The constructor, the evaluation helpers and the activation step are given. The
passes are student work, each where its step is taught: the block, the loop,
the loss and :func:`network_gradient_check` in notebook 01; the normalization
and skip steps in 03; the dropout and penalty steps in 04.

The network trains with the softmax loss plus an L2 penalty ``0.5 * reg * sum(W**2)``
over the weight matrices (the convention of ``regularization.l2_penalty``;
biases, ``gamma``, ``beta`` and PReLU slopes are not penalised).

The network is built only from the functional layers students write
(``layers``, ``activations``, ``normalization``, ``regularization``,
``losses``), and it calls a module only when an option needs it: a plain ReLU
net with ``init=0.01`` runs with nothing but ``layers``, ``activations`` and
``losses``, so notebooks of early assignments can use it while later steps are
still stubs (each step's method returns its input while its option is off).

Parameters live in ``model.params``, a dict of arrays keyed::

    'W1', 'b1', ..., 'WL', 'bL'          affine layers (W of shape (fan_in, fan_out))
    'gamma1', 'beta1', ...               normalization of hidden layer l
    'alpha1', ...                        PReLU slope of hidden layer l (shape ())

``grads`` returned by :meth:`FullyConnectedNet.loss` has exactly the same keys
and shapes.

Examples
--------
>>> net = FullyConnectedNet([8], input_dim=4, num_classes=3, init=0.01, seed=0)
>>> sorted(net.params)
['W1', 'W2', 'b1', 'b2']
>>> net.loss(np.zeros((2, 4))).shape
(2, 3)
"""
from __future__ import annotations

import math
from numbers import Real

import numpy as np

from . import activations, layers, losses, normalization, regularization

__all__ = ["FullyConnectedNet", "ACTIVATIONS", "network_gradient_check"]

#: Activation names the model understands (``activations.<name>_forward/_backward``).
ACTIVATIONS = ("relu", "leaky_relu", "prelu", "elu", "selu", "sigmoid", "tanh", "gelu",
               "softplus", "arctan")

_NORMALIZATIONS = (None, "batchnorm", "layernorm")

#: Initial slope of every PReLU (He et al., 2015).
PRELU_INIT = 0.25


def _activation_pair(activation):
    """``(name, forward, backward)`` for a name or a ``(forward, backward)`` pair."""
    if isinstance(activation, str):
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; known: {', '.join(ACTIVATIONS)}")
        return (activation, getattr(activations, f"{activation}_forward"),
                getattr(activations, f"{activation}_backward"))
    try:
        forward, backward = activation
    except (TypeError, ValueError):
        raise TypeError("activation must be a name or a pair (forward, backward), "
                        f"got {activation!r}") from None
    return getattr(forward, "__name__", "custom"), forward, backward


class FullyConnectedNet:
    """Fully connected classifier with optional normalization, dropout, L2 and skips.

    Parameters
    ----------
    hidden_dims : sequence of int
        Width of each hidden layer, e.g. ``[100, 100]`` for two hidden layers.
    input_dim : int
        Number of input features ``D`` (samples of shape ``(d1, ..., dk)`` are
        flattened, ``D = d1 * ... * dk``).
    num_classes : int
        Number of classes ``C``.
    activation : str or (forward, backward), default 'relu'
        One of :data:`ACTIVATIONS`, or a pair of functions following the
        layer contract. ``'prelu'`` learns one slope per hidden layer
        (``params['alpha<l>']``, starting at 0.25).
    activation_params : dict, optional
        Keyword arguments for the activation's forward, e.g. ``{'alpha': 0.1}``
        for ``leaky_relu`` or ``elu``; for ``prelu``, ``{'alpha': a}`` sets the
        initial slope.
    init : str, float or callable, default 'he_normal'
        How the weight matrices are drawn:

        * a name of ``course_lib.init`` (``'he_normal'``, ``'xavier_uniform'``,
          ...), looked up with ``init.get``;
        * a float ``std``: ``std * rng.standard_normal((fan_in, fan_out))``
          (needs no ``init`` module: use it before assignment 02);
        * a callable ``(fan_in, fan_out, rng) -> W``.

        Biases and ``beta`` start at 0, ``gamma`` at 1.
    normalization : {None, 'batchnorm', 'layernorm'}, default None
        Normalization after every hidden affine layer, before the activation.
    normalization_params : dict, optional
        Extra entries of every ``bn_param`` / ``ln_param``, e.g.
        ``{'momentum': 0.99, 'eps': 1e-5}``.
    dropout : float in [0, 1), default 0.0
        Probability of DROPPING a hidden unit (inverted dropout after every
        activation); 0 disables dropout.
    reg : float, default 0.0
        L2 strength: the loss gains ``0.5 * reg * sum of W**2`` over the weights.
    residual : bool or 'unscaled', default False
        ``True`` adds an identity skip ``h_l = h_{l-1} + block_l(h_{l-1})``
        around every hidden block whose input and output widths match, and
        multiplies those blocks' initial weights by ``1 / sqrt(number of such
        blocks)`` so the sum of many blocks keeps a bounded scale.
        ``'unscaled'`` adds the same skips without the rescaling (the variance
        then grows with depth).
    dtype : numpy dtype, default np.float64
        Dtype of the parameters and of every computation (inputs are cast).
    seed : int or None
        Seeds the weights (``rng = np.random.default_rng(seed)`` is handed to
        the initialiser, layer by layer) and the stream of dropout masks used
        during training (a new mask at every step, reproducible run to run).
    dropout_seed : int or None
        If set, every forward pass in train mode uses the SAME dropout masks
        (layer ``l`` seeded with ``dropout_seed + l``): the loss is then a
        deterministic function of the parameters and the whole network can be
        gradient-checked. Do not train with it (the network would always drop
        the same units). Can be changed later through ``model.dropout_seed``.

    Attributes
    ----------
    params : dict of str -> ndarray
    reg : float
    dropout : float
    bn_params : list of dict
        One ``bn_param`` per hidden layer (running statistics live here) when
        ``normalization='batchnorm'``, else empty.
    residual_layers : list of int
        Hidden layers (1-based) that carry an identity skip.
    last_preactivations, last_activations : list of ndarray
        Filled by every call of :meth:`loss`: for each hidden layer, the input
        of its activation function (after normalization) and the layer's output
        ``h_l`` (after activation, dropout and skip: what the next layer
        receives). Index ``l - 1`` holds hidden layer ``l``.
    """

    def __init__(self, hidden_dims, input_dim, num_classes, activation="relu",
                 init="he_normal", normalization=None, dropout=0.0, reg=0.0,
                 residual=False, dtype=np.float64, seed=None, *, activation_params=None,
                 normalization_params=None, dropout_seed=None):
        hidden_dims = [int(h) for h in hidden_dims]
        if any(h < 1 for h in hidden_dims) or int(input_dim) < 1 or int(num_classes) < 2:
            raise ValueError("need hidden widths >= 1, input_dim >= 1 and num_classes >= 2, got "
                             f"{hidden_dims}, {input_dim}, {num_classes}")
        if normalization not in _NORMALIZATIONS:
            raise ValueError(f"normalization must be None, 'batchnorm' or 'layernorm', "
                             f"got {normalization!r}")
        if not 0.0 <= float(dropout) < 1.0:
            raise ValueError(f"dropout is the DROP probability and must lie in [0, 1), "
                             f"got {dropout!r}")
        if residual not in (False, True, "unscaled"):
            raise ValueError(f"residual must be False, True or 'unscaled', got {residual!r}")

        self.hidden_dims = hidden_dims
        self.input_dim = int(input_dim)
        self.num_classes = int(num_classes)
        self.num_layers = len(hidden_dims) + 1
        self.dtype = np.dtype(dtype)
        self.normalization = normalization
        self.dropout = float(dropout)
        self.reg = float(reg)
        self.residual = residual
        self.seed = seed
        self.dropout_seed = dropout_seed
        self.activation_name, self._act_forward, self._act_backward = _activation_pair(activation)
        self.activation_params = dict(activation_params or {})
        self._prelu = self.activation_name == "prelu"

        dims = [self.input_dim] + hidden_dims + [self.num_classes]
        self.residual_layers = ([l for l in range(1, self.num_layers) if dims[l - 1] == dims[l]]
                                if residual else [])
        rng = np.random.default_rng(seed)
        draw = self._weight_sampler(init)
        skip_scale = (1.0 / math.sqrt(len(self.residual_layers))
                      if residual is True and self.residual_layers else 1.0)

        self.params = {}
        for l in range(1, self.num_layers + 1):
            W = np.asarray(draw(dims[l - 1], dims[l], rng), dtype=self.dtype)
            if W.shape != (dims[l - 1], dims[l]):
                raise ValueError(f"the initialiser returned shape {W.shape} for layer {l}, "
                                 f"expected {(dims[l - 1], dims[l])}")
            if l in self.residual_layers and skip_scale != 1.0:
                W = W * self.dtype.type(skip_scale)
            self.params[f"W{l}"] = W
            self.params[f"b{l}"] = np.zeros(dims[l], dtype=self.dtype)
            if l < self.num_layers:
                if normalization is not None:
                    self.params[f"gamma{l}"] = np.ones(dims[l], dtype=self.dtype)
                    self.params[f"beta{l}"] = np.zeros(dims[l], dtype=self.dtype)
                if self._prelu:
                    alpha0 = self.activation_params.get("alpha", PRELU_INIT)
                    self.params[f"alpha{l}"] = np.asarray(alpha0, dtype=self.dtype)

        extra = dict(normalization_params or {})
        self.bn_params = ([{"mode": "train", **extra} for _ in hidden_dims]
                          if normalization == "batchnorm" else [])
        self.ln_params = ([dict(extra) for _ in hidden_dims]
                          if normalization == "layernorm" else [])
        # One stream for the whole run: a fresh, reproducible mask at every step.
        self._dropout_rng = np.random.default_rng(None if seed is None else [seed, 1])
        self.last_preactivations = []
        self.last_activations = []

    # ------------------------------------------------------------------ set-up
    @staticmethod
    def _weight_sampler(init):
        """A function ``(fan_in, fan_out, rng) -> W`` for a name, a float or a callable."""
        if isinstance(init, Real) and not isinstance(init, bool):
            std = float(init)
            return lambda fan_in, fan_out, rng: std * rng.standard_normal((fan_in, fan_out))
        if callable(init):
            return init
        if isinstance(init, str):
            from . import init as init_module
            scheme = init_module.get(init)

            def draw(fan_in, fan_out, rng):
                try:
                    return scheme(fan_in, fan_out, rng)
                except NotImplementedError:
                    raise NotImplementedError(
                        f"init.{init} is not implemented yet (course_lib/init.py, assignment "
                        "02). Pass init=<float std> or a callable (fan_in, fan_out, rng) -> W "
                        "to the model instead.") from None
            return draw
        raise TypeError(f"init must be a name, a float or a callable, got {init!r}")

    @property
    def weight_names(self):
        """Names of the weight matrices, ``['W1', ..., 'WL']``."""
        return [f"W{l}" for l in range(1, self.num_layers + 1)]

    # ------------------------------------------------------------------ the passes
    # A hidden block is   affine -> [normalization] -> activation -> [dropout] (+ skip).
    # Every step has a forward and a backward method below. You write the network
    # where each step is taught: the block, the loop over the layers and the loss
    # in notebook 01; normalization and the skip in 03; dropout and the penalty
    # in 04. A step whose option is off returns its input unchanged (the given
    # guard at the top of its method), so the network of notebook 01 already
    # runs before the later steps are written.

    def _hidden_forward(self, l, h, mode, record):
        """Forward through hidden block ``l`` (1-based).

        Parameters
        ----------
        l : int
            The block's index, ``1 <= l < num_layers``; its parameters are
            ``params['W<l>']``, ``params['b<l>']`` (and those the options add).
        h : ndarray of shape (N, fan_in)
            The block's input (``h_{l-1}``).
        mode : {'train', 'test'}
            Handed on to the steps that behave differently in training
            (:meth:`_normalize_forward`, :meth:`_dropout_forward`).
        record : bool
            Append the activation's input to ``last_preactivations`` and the
            block's output to ``last_activations`` (done for you below).

        Returns
        -------
        out : ndarray of shape (N, fan_out)
            ``h_l``, in the order affine, :meth:`_normalize_forward`,
            :meth:`_activation_forward`, :meth:`_dropout_forward`,
            :meth:`_skip_forward`.
        cache : tuple ``(fc_cache, norm_cache, act_cache, drop_cache)``
            The caches of the four steps with one, in that order (a step that
            is off gives None).
        """
        p = self.params
        ### BEGIN SOLUTION
        a, fc_cache = layers.affine_forward(h, p[f"W{l}"], p[f"b{l}"])
        a, norm_cache = self._normalize_forward(l, a, mode)
        pre = a
        a, act_cache = self._activation_forward(l, a)
        a, drop_cache = self._dropout_forward(l, a, mode)
        out = self._skip_forward(l, h, a)
        ### END SOLUTION
        if record:
            self.last_preactivations.append(pre)
            self.last_activations.append(out)
        return out, (fc_cache, norm_cache, act_cache, drop_cache)

    def _hidden_backward(self, l, dout, cache, grads):
        """Backward through hidden block ``l``.

        Parameters
        ----------
        l : int
        dout : ndarray of shape (N, fan_out)
            Gradient of the loss with respect to the block's output ``h_l``.
        cache : tuple
            What :meth:`_hidden_forward` returned for this block.
        grads : dict
            Store the gradient of every parameter of block ``l`` here, under the
            parameter's own key (``'W<l>'``, ``'b<l>'``; the steps of the
            options store theirs themselves).

        Returns
        -------
        dh : ndarray of shape (N, fan_in)
            Gradient with respect to the block's input ``h_{l-1}``: back through
            every step of :meth:`_hidden_forward` in reverse order, each step's
            backward given the cache its own forward returned, the skip included.
        """
        fc_cache, norm_cache, act_cache, drop_cache = cache
        ### BEGIN SOLUTION
        da = self._dropout_backward(l, dout, drop_cache)
        da = self._activation_backward(l, da, act_cache, grads)
        da = self._normalize_backward(l, da, norm_cache, grads)
        dh, grads[f"W{l}"], grads[f"b{l}"] = layers.affine_backward(da, fc_cache)
        dh = self._skip_backward(l, dout, dh)
        ### END SOLUTION
        return dh

    def _forward(self, X, mode, record):
        """Scores of a batch and the caches of every layer.

        Parameters
        ----------
        X : ndarray of shape (N, D) or (N, d1, ..., dk)
            Cast to the model's dtype and flattened to ``(N, D)`` for you.
        mode : {'train', 'test'}
            Passed on to every :meth:`_hidden_forward`.
        record : bool
            Passed on to every :meth:`_hidden_forward`.

        Returns
        -------
        scores : ndarray of shape (N, C)
            The output layer's affine map of the last hidden block's output.
        caches : list
            The cache of every hidden block, in layer order (block ``l`` at
            index ``l - 1``).
        out_cache : object
            The cache of the output layer's affine map.
        """
        X = np.asarray(X, dtype=self.dtype)
        h = X.reshape(X.shape[0], -1)
        if h.shape[1] != self.input_dim:
            raise ValueError(f"inputs have {h.shape[1]} features, the model expects "
                             f"{self.input_dim}")
        if record:
            self.last_preactivations = []
            self.last_activations = []
        L = self.num_layers
        ### BEGIN SOLUTION
        caches = []
        for l in range(1, L):
            h, cache = self._hidden_forward(l, h, mode, record)
            caches.append(cache)
        scores, out_cache = layers.affine_forward(h, self.params[f"W{L}"], self.params[f"b{L}"])
        ### END SOLUTION
        return scores, caches, out_cache

    def loss(self, X, y=None, mode=None):
        """Scores, or the loss and its gradient, for a batch.

        Parameters
        ----------
        X : ndarray of shape (N, D) or (N, d1, ..., dk)
            Input batch (cast to the model's dtype).
        y : ndarray of shape (N,), int, optional
            Labels. Without them the method returns the scores.
        mode : {'train', 'test'}, optional
            How batch norm and dropout behave. Default: ``'train'`` when ``y``
            is given, ``'test'`` otherwise. Train mode uses batch statistics
            (and updates the running averages) and drops units; test mode uses
            the running averages and keeps every unit. Gradients in test mode
            are only available without batch norm.

        Returns
        -------
        scores : ndarray of shape (N, C)
            When ``y`` is None.
        loss : float
            When ``y`` is given: the mean softmax loss of the scores plus
            :meth:`_penalty`.
        grads : dict of str -> ndarray
            When ``y`` is given: the gradient of ``loss`` for every key of
            ``params``, each of its parameter's shape and dtype. Computing the
            loss leaves ``params`` unchanged.
        """
        if mode is None:
            mode = "test" if y is None else "train"
        if mode not in ("train", "test"):
            raise ValueError(f"mode must be 'train' or 'test', got {mode!r}")
        if y is not None and mode == "test" and self.normalization == "batchnorm":
            raise ValueError("gradients of batch norm in test mode are not available: "
                             "use mode='train', or model.evaluate(X, y) for a test-mode loss")
        scores, caches, out_cache = self._forward(X, mode, record=True)
        if y is None:
            return scores
        grads = {}
        L = self.num_layers
        ### BEGIN SOLUTION
        data_loss, dscores = losses.softmax_loss(scores, np.asarray(y))
        dh, grads[f"W{L}"], grads[f"b{L}"] = layers.affine_backward(dscores, out_cache)
        for l in range(L - 1, 0, -1):
            dh = self._hidden_backward(l, dh, caches[l - 1], grads)
        loss = data_loss + self._penalty(grads)
        ### END SOLUTION
        return loss, grads

    # ------------------------------------------------------------ the steps
    def _activation_forward(self, l, a):
        """The activation of block ``l`` (given): ``(out, cache)``; PReLU uses ``alpha<l>``."""
        if self._prelu:
            return activations.prelu_forward(a, self.params[f"alpha{l}"])
        return self._act_forward(a, **self.activation_params)

    def _activation_backward(self, l, da, cache, grads):
        """Backward of :meth:`_activation_forward` (given); stores PReLU's ``alpha<l>``."""
        if self._prelu:
            da, dalpha = activations.prelu_backward(da, cache)
            grads[f"alpha{l}"] = np.asarray(dalpha, dtype=self.dtype)
            return da
        return self._act_backward(da, cache)

    def _normalize_forward(self, l, a, mode):
        """Batch or layer normalization of block ``l``'s affine output.

        Returns ``(out, cache)``: ``(a, None)`` when ``normalization`` is None.
        With ``'batchnorm'`` the block's ``bn_params[l - 1]`` carries the mode
        and the running statistics; with ``'layernorm'``, ``ln_params[l - 1]``.
        The scale and shift are ``params['gamma<l>']`` and ``params['beta<l>']``.
        """
        if self.normalization is None:
            return a, None
        p = self.params
        ### BEGIN SOLUTION
        if self.normalization == "batchnorm":
            bn_param = self.bn_params[l - 1]
            bn_param["mode"] = mode
            return normalization.batchnorm_forward(a, p[f"gamma{l}"], p[f"beta{l}"], bn_param)
        return normalization.layernorm_forward(a, p[f"gamma{l}"], p[f"beta{l}"],
                                               self.ln_params[l - 1])
        ### END SOLUTION

    def _normalize_backward(self, l, dout, cache, grads):
        """Backward of :meth:`_normalize_forward`: the gradient with respect to its input.

        Stores the gradients of ``gamma<l>`` and ``beta<l>`` in ``grads``; when
        ``cache`` is None (no normalization) returns ``dout`` unchanged.
        Either backward pass of batch norm in ``normalization`` will do (they
        agree; ``batchnorm_backward_alt`` is the faster).
        """
        if cache is None:
            return dout
        ### BEGIN SOLUTION
        backward = (normalization.batchnorm_backward_alt if self.normalization == "batchnorm"
                    else normalization.layernorm_backward)
        da, grads[f"gamma{l}"], grads[f"beta{l}"] = backward(dout, cache)
        return da
        ### END SOLUTION

    def _skip_forward(self, l, h, a):
        """The identity skip around block ``l``: ``h + a`` when ``l`` is in
        ``residual_layers``, else ``a`` unchanged. ``h`` is the block's input,
        ``a`` the output of its last step."""
        if l not in self.residual_layers:
            return a
        ### BEGIN SOLUTION
        return h + a
        ### END SOLUTION

    def _skip_backward(self, l, dout, dh):
        """Backward of :meth:`_skip_forward` for the block's input.

        Parameters
        ----------
        dout : ndarray
            Gradient with respect to the block's output.
        dh : ndarray
            Gradient with respect to the block's input through the block's
            steps (affine, normalization, activation, dropout).

        Returns
        -------
        ndarray : the whole gradient with respect to the block's input; ``dh``
            unchanged when ``l`` carries no skip.
        """
        if l not in self.residual_layers:
            return dh
        ### BEGIN SOLUTION
        return dh + dout
        ### END SOLUTION

    def _dropout_forward(self, l, a, mode):
        """Inverted dropout after block ``l``'s activation: ``(out, cache)``.

        ``(a, None)`` when ``dropout`` is 0 or ``mode`` is ``'test'``. The
        ``dropout_param`` of the step is :meth:`_dropout_param` (a fresh mask
        from the model's stream, or a fixed one when ``dropout_seed`` is set).
        """
        if self.dropout == 0 or mode != "train":
            return a, None
        dropout_param = self._dropout_param(l)
        ### BEGIN SOLUTION
        return regularization.dropout_forward(a, dropout_param)
        ### END SOLUTION

    def _dropout_backward(self, l, dout, cache):
        """Backward of :meth:`_dropout_forward`; ``dout`` unchanged when ``cache`` is None."""
        if cache is None:
            return dout
        ### BEGIN SOLUTION
        return regularization.dropout_backward(dout, cache)
        ### END SOLUTION

    def _dropout_param(self, l):
        """The ``dropout_param`` of block ``l`` in train mode (given)."""
        if self.dropout_seed is None:
            return {"rate": self.dropout, "mode": "train", "rng": self._dropout_rng}
        return {"rate": self.dropout, "mode": "train", "seed": int(self.dropout_seed) + l}

    def _penalty(self, grads):
        """The L2 penalty term of the loss; adds its gradient to ``grads`` (in place).

        Returns :meth:`l2_penalty` (``0.5 * reg * sum of W**2`` over the weight
        matrices ``W1 .. WL``: biases, ``gamma``, ``beta`` and PReLU slopes are
        not penalised), a float, and adds the penalty's gradient to the entry
        of every weight matrix in ``grads``. With ``reg == 0`` returns 0.0 and
        leaves ``grads`` as it is.
        """
        if self.reg == 0:
            return 0.0
        ### BEGIN SOLUTION
        reg = self.dtype.type(self.reg)
        for name in self.weight_names:
            grads[name] += reg * self.params[name]
        return self.l2_penalty()
        ### END SOLUTION

    def l2_penalty(self):
        """The L2 term ``0.5 * reg * sum over weight matrices of sum(W**2)``, a float (given)."""
        if self.reg == 0:
            return 0.0
        total = sum(float(np.vdot(W, W)) for W in (self.params[n] for n in self.weight_names))
        return 0.5 * self.reg * total

    # ------------------------------------------------------------------ evaluation
    def scores(self, X, batch_size=2048):
        """Test-mode scores of any number of samples, computed in chunks.

        Parameters
        ----------
        X : ndarray of shape (N, D) or (N, d1, ..., dk)
        batch_size : int, default 2048

        Returns
        -------
        ndarray of shape (N, C)
        """
        X = np.asarray(X)
        chunks = [self._forward(X[i:i + batch_size], "test", record=False)[0]
                  for i in range(0, X.shape[0], batch_size)]
        if not chunks:
            return np.zeros((0, self.num_classes), dtype=self.dtype)
        return np.concatenate(chunks) if len(chunks) > 1 else chunks[0]

    def predict(self, X, batch_size=2048):
        """Predicted class of every sample (test mode): ndarray of shape (N,), int."""
        return np.argmax(self.scores(X, batch_size), axis=1)

    def accuracy(self, X, y, batch_size=2048):
        """Fraction of samples classified correctly (test mode), a float in [0, 1]."""
        return float(np.mean(self.predict(X, batch_size) == np.asarray(y)))

    def evaluate(self, X, y, batch_size=2048):
        """Test-mode loss (softmax + L2 penalty, as in training) and accuracy.

        Returns
        -------
        loss : float
        accuracy : float
        """
        scores = self.scores(X, batch_size)
        y = np.asarray(y)
        data_loss, _ = losses.softmax_loss(scores, y)
        acc = float(np.mean(np.argmax(scores, axis=1) == y))
        return data_loss + self.l2_penalty(), acc

    # ------------------------------------------------------------------ diagnostics
    def layer_grad_norms(self, grads):
        """L2 norm of the gradient of each weight matrix.

        Parameters
        ----------
        grads : dict of str -> ndarray
            As returned by :meth:`loss`.

        Returns
        -------
        dict ``'W1' -> float, ..., 'WL' -> float`` (layer order).
        """
        return {name: float(np.linalg.norm(grads[name])) for name in self.weight_names}

    def activation_stats(self):
        """Mean and standard deviation of every hidden layer's output in the last pass.

        Returns
        -------
        list of dict ``{'layer': l, 'mean': float, 'std': float}``, one per hidden layer.
        """
        return [{"layer": l, "mean": float(np.mean(a)), "std": float(np.std(a))}
                for l, a in enumerate(self.last_activations, start=1)]

    def copy_params(self):
        """A copy of ``params`` (new arrays), e.g. to restore the weights later."""
        return {name: value.copy() for name, value in self.params.items()}

    def set_params(self, params):
        """Replace the parameters with copies of ``params`` (same keys and shapes)."""
        for name, value in params.items():
            if name not in self.params:
                raise KeyError(f"unknown parameter {name!r}")
            self.params[name] = np.array(value, dtype=self.dtype)

    def __repr__(self):
        options = [f"activation={self.activation_name!r}"]
        if self.normalization:
            options.append(f"normalization={self.normalization!r}")
        if self.dropout:
            options.append(f"dropout={self.dropout}")
        if self.reg:
            options.append(f"reg={self.reg}")
        if self.residual:
            options.append(f"residual={self.residual!r}")
        if self.dtype != np.float64:
            options.append(f"dtype={self.dtype.name}")
        return (f"FullyConnectedNet({self.hidden_dims}, input_dim={self.input_dim}, "
                f"num_classes={self.num_classes}, {', '.join(options)})")


def network_gradient_check(model, X, y, h=1e-6):
    """Check a whole network's gradient against centred differences of its loss.

    The numeric gradient is taken over one flat vector ``theta`` that holds
    every parameter of ``model`` (the arrays of ``model.params`` flattened and
    concatenated, in float64): each entry of ``theta`` is moved by ``+h`` and
    ``-h`` in turn, the parameters are set from ``theta``, and
    ``model.loss(X, y)[0]`` is evaluated. Every parameter holds its original
    value again when the function returns.

    Parameters
    ----------
    model : FullyConnectedNet
        In a configuration whose loss is a deterministic function of its
        parameters: with ``dropout > 0``, ``dropout_seed`` must be set.
    X : ndarray of shape (N, D)
    y : ndarray of shape (N,), int
    h : float, default 1e-6
        The step of the centred differences.

    Returns
    -------
    errors : dict of str -> float
        For every key of ``model.params``, how far the analytic gradient ``a``
        of that parameter (from ``model.loss(X, y)``) is from the numeric one
        ``n``, relative to the whole flat gradient: ``max|a - n|`` over the
        parameter's entries divided by the largest absolute entry of either
        flat gradient (analytic or numeric, over every parameter); 0.0 for
        every parameter when both flat gradients are zero. Scaling by the whole
        gradient keeps the round-off of a parameter whose true gradient is 0
        (a bias in front of batch norm) from looking like an error. Below about
        1e-7 in float64 the two agree.
    """
    if model.dropout > 0 and model.dropout_seed is None:
        raise ValueError("with dropout the loss is random: set model.dropout_seed first")
    _, grads = model.loss(X, y)
    names = sorted(model.params)
    ### BEGIN SOLUTION
    shapes = [model.params[name].shape for name in names]
    sizes = [model.params[name].size for name in names]
    theta = np.concatenate([model.params[name].ravel() for name in names]).astype(np.float64)
    original = theta.copy()

    def set_params(vector):
        start = 0
        for name, shape, size in zip(names, shapes, sizes):
            model.params[name][...] = vector[start:start + size].reshape(shape)
            start += size

    numeric = np.zeros_like(theta)
    for i in range(theta.size):
        theta[i] = original[i] + h
        set_params(theta)
        plus = model.loss(X, y)[0]
        theta[i] = original[i] - h
        set_params(theta)
        minus = model.loss(X, y)[0]
        theta[i] = original[i]
        numeric[i] = (plus - minus) / (2 * h)
    set_params(original)

    analytic = np.concatenate([np.asarray(grads[name], dtype=np.float64).ravel()
                               for name in names])
    scale = max(float(np.max(np.abs(analytic))), float(np.max(np.abs(numeric))))
    gap = np.abs(analytic - numeric) / scale if scale > 0 else np.zeros_like(numeric)
    errors, start = {}, 0
    for name, size in zip(names, sizes):
        errors[name] = float(np.max(gap[start:start + size]))
        start += size
    ### END SOLUTION
    return errors
