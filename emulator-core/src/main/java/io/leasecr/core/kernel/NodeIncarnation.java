package io.leasecr.core.kernel;

/**
 * One incarnation of a cluster node, the epoch that fencing checks: its name, its address and Pekko's
 * {@code UniqueAddress.longUid}, which a restarted node on the same address does not share. A lease table
 * or process entity refuses what an incarnation the cluster has downed or removed sends (see
 * docs/drill-format.md, "Fencing").
 */
public record NodeIncarnation(String node, String address, long uid) {}
