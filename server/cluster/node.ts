/**
 * What names a node of a city and what keeps its bus closed: shared by the configuration, the bus
 * and the leases, so all three agree on what a node name and a secret may be.
 */

/** A node's name: in logs, in the leases it holds, in the claims of the commands it ran. */
export const NODE_NAME = /^[a-z][a-z0-9-]{0,31}$/;

/** The bus's shared secret (SKYBEAT_CLUSTER_SECRET): long enough that it cannot be guessed online. */
export const CLUSTER_SECRET_MIN = 16;

export interface ClusterSettings {
  /** redis://HOST:6379: the bus between nodes */
  redis: string;
  /** this node's name, unique in the city */
  node: string;
  /** every message on the bus is signed with it, and nothing unsigned is trusted */
  secret: string;
}
