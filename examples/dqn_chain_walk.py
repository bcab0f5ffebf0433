"""A DQN update step in keras-rl style, on a generated chain walk.

Ports the core of the classic deep Q-network agent (Mnih et al., 2015) as
keras-rl (rl/agents/dqn.py, written for Keras 2) drove the backend:

- the Q-network's training function is compiled with the learning phase
  as an extra input, `K.function(inputs + [K.learning_phase()],
  outputs, updates=...)`, and fed 1 when training, 0 when acting (the
  network has dropout, which only acts in the training phase);
- the TD target uses a target network, `r + gamma * max_a Q_target(s', a)`,
  inside the same graph, behind `K.stop_gradient`; the loss is the Huber
  loss written with `K.switch`;
- the target network follows the online one by soft updates given as
  `(target_weight, tau * weight + (1 - tau) * target_weight)` tuples,
  keras-rl's `get_soft_target_model_updates`, run with the optimizer's
  update ops (Adam, written as `K.update` ops) by the same `K.function`.
  The update values are computed from variables outside any graph, as
  keras-rl did; tf_kbackend re-derives them in the graph so that they read
  the variables at each call, as in TF1.

The environment is generated, not downloaded: a chain of states 0..N-1;
action 0 moves left (or stays at 0), action 1 moves right; reaching the
right end pays 1 and ends the episode. With discount gamma the optimal
values are Q*(s, right) = gamma^(N-2-s) and Q*(s, left) =
gamma^(N-1-max(s-1, 0)), so the learned Q-values can be checked exactly.

It prints the loss and mean Q while training, then the learned Q-values
next to the optimal ones, the greedy policy and the largest error.

    tf-kbackend run examples/dqn_chain_walk.py [--steps 3000] [--quick]
"""

from __future__ import print_function

import argparse

import numpy as np

from keras import backend as K


class ChainWalk(object):
  """States 0..n-1 in a line; the right end pays 1 and is terminal."""

  def __init__(self, n, rng, max_steps=None):
    self.n = n
    self.rng = rng
    self.max_steps = max_steps or 3 * n
    self.state = 0
    self.steps = 0

  def reset(self):
    # Random starts, so that every state is visited early on.
    self.state = self.rng.randint(0, self.n - 1)
    self.steps = 0
    return self.state

  def step(self, action):
    self.steps += 1
    self.state = min(self.state + 1, self.n - 1) if action == 1 else max(
        self.state - 1, 0)
    done = self.state == self.n - 1
    reward = 1.0 if done else 0.0
    return self.state, reward, done, self.steps >= self.max_steps

  def optimal_q(self, gamma):
    q = np.zeros((self.n - 1, 2))
    for s in range(self.n - 1):
      q[s, 1] = gamma ** (self.n - 2 - s)
      q[s, 0] = gamma ** (self.n - 1 - max(s - 1, 0))
    return q


class QNetwork(object):
  """one-hot state -> Dense(relu) -> [dropout] -> Dense -> Q per action."""

  def __init__(self, num_states, hidden, num_actions, name, seed):
    rng = np.random.RandomState(seed)
    def glorot(shape):
      limit = np.sqrt(6.0 / sum(shape))
      return rng.uniform(-limit, limit, shape)
    self.weights = [
        K.variable(glorot((num_states, hidden)), name=name + '_w1'),
        K.variable(np.zeros(hidden), name=name + '_b1'),
        K.variable(glorot((hidden, num_actions)), name=name + '_w2'),
        K.variable(np.zeros(num_actions), name=name + '_b2')]

  def __call__(self, states, dropout=0.0):
    w1, b1, w2, b2 = self.weights
    h = K.relu(K.bias_add(K.dot(states, w1), b1))
    if dropout:
      h = K.in_train_phase(K.dropout(h, dropout, seed=7), h)
    return K.bias_add(K.dot(h, w2), b2)


def huber_loss(y_true, y_pred, clip_value=1.0):
  """keras-rl's Huber loss: quadratic near 0, linear beyond clip_value."""
  x = y_true - y_pred
  squared = 0.5 * K.square(x)
  linear = clip_value * (K.abs(x) - 0.5 * clip_value)
  return K.switch(K.abs(x) < clip_value, squared, linear)


def get_soft_target_model_updates(target_weights, source_weights, tau):
  """keras-rl's soft target updates, as (variable, new value) tuples."""
  updates = []
  for tw, sw in zip(target_weights, source_weights):
    updates.append((tw, tau * sw + (1.0 - tau) * tw))
  return updates


def adam_updates(loss, params, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
  grads = K.gradients(loss, params)
  iterations = K.variable(0, dtype='int64', name='iterations')
  count = K.update_add(iterations, 1)
  updates = [count]
  with K.control_dependencies([count]):
    t = K.cast(iterations, K.floatx())
  lr_t = lr * (K.sqrt(1.0 - K.pow(beta_2, t)) / (1.0 - K.pow(beta_1, t)))
  for p, g in zip(params, grads):
    m = K.zeros(K.int_shape(p))
    v = K.zeros(K.int_shape(p))
    m_t = beta_1 * m + (1.0 - beta_1) * g
    v_t = beta_2 * v + (1.0 - beta_2) * K.square(g)
    updates.extend([K.update(m, m_t), K.update(v, v_t),
                    K.update(p, p - lr_t * m_t / (K.sqrt(v_t) + epsilon))])
  return updates


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument('--states', type=int, default=8)
  parser.add_argument('--steps', type=int, default=3000)
  parser.add_argument('--gamma', type=float, default=0.9)
  parser.add_argument('--tau', type=float, default=0.02)
  parser.add_argument('--batch-size', type=int, default=32)
  parser.add_argument('--quick', action='store_true',
                      help='a small run for the smoke test')
  args = parser.parse_args()
  if args.quick:
    args.states, args.steps, args.tau = 5, 800, 0.05
  rng = np.random.RandomState(0)
  env = ChainWalk(args.states, rng)
  num_actions = 2

  online = QNetwork(args.states, 32, num_actions, 'online', seed=1)
  target = QNetwork(args.states, 32, num_actions, 'target', seed=2)
  K.batch_set_value(zip(target.weights, K.batch_get_value(online.weights)))

  state = K.placeholder(shape=(None, args.states), name='state')
  action = K.placeholder(shape=(None, num_actions), name='action_one_hot')
  reward = K.placeholder(shape=(None,), name='reward')
  next_state = K.placeholder(shape=(None, args.states), name='next_state')
  terminal = K.placeholder(shape=(None,), name='terminal')

  q_values = online(state, dropout=0.1)
  q_next = target(next_state)
  td_target = K.stop_gradient(
      reward + args.gamma * (1.0 - terminal) * K.max(q_next, axis=-1))
  q_taken = K.sum(q_values * action, axis=-1)
  loss = K.mean(huber_loss(td_target, q_taken))

  updates = adam_updates(loss, online.weights, lr=0.005)
  updates += get_soft_target_model_updates(target.weights, online.weights,
                                           args.tau)
  inputs = [state, action, reward, next_state, terminal]
  train_fn = K.function(inputs + [K.learning_phase()],
                        [loss, K.mean(q_taken)], updates=updates)
  q_fn = K.function([state, K.learning_phase()], [q_values])

  one_hot = np.eye(args.states, dtype='float32')
  memory = []
  s = env.reset()
  warmup, epsilon_final = 100, 0.1
  report_every = max(1, args.steps // 8)
  stats = []
  for step in range(1, args.steps + 1):
    epsilon = max(epsilon_final, 1.0 - step / (0.5 * args.steps))
    if rng.rand() < epsilon:
      a = rng.randint(num_actions)
    else:
      a = int(q_fn([one_hot[s:s + 1], 0])[0].argmax())
    s_next, r, done, timeout = env.step(a)
    memory.append((s, a, r, s_next, float(done)))
    s = env.reset() if done or timeout else s_next
    if step > warmup:
      batch = [memory[i] for i in rng.randint(0, len(memory),
                                              args.batch_size)]
      bs, ba, br, bn, bd = (np.array(column) for column in zip(*batch))
      stats.append(train_fn([
          one_hot[bs], np.eye(num_actions, dtype='float32')[ba],
          br.astype('float32'), one_hot[bn], bd.astype('float32'), 1]))
    if step % report_every == 0 and stats:
      mean_loss, mean_q = np.mean(stats, axis=0)
      print('step %d  loss %.5f  mean Q %.3f  epsilon %.2f'
            % (step, mean_loss, mean_q, epsilon))
      stats = []

  learned = q_fn([one_hot[:-1], 0])[0]
  optimal = env.optimal_q(args.gamma)
  print('state  Q(left)  Q(right)  | optimal Q(left)  Q(right)')
  for k in range(args.states - 1):
    print('%5d  %7.3f  %8.3f  | %15.3f  %8.3f'
          % (k, learned[k, 0], learned[k, 1], optimal[k, 0], optimal[k, 1]))
  policy = ''.join('LR'[int(i)] for i in learned.argmax(-1))
  print('greedy policy %s' % policy)
  print('max |Q - Q*| %.4f' % np.abs(learned - optimal).max())
  target_values = K.function([next_state], [q_next])([one_hot[:-1]])[0]
  print('max |Q_target - Q| %.4f' % np.abs(target_values - learned).max())


if __name__ == '__main__':
  main()
