package io.leasecr.core.time;

import org.apache.pekko.serialization.JSerializer;

/**
 * Stands in, on emulated time, for Pekko Distributed Data's replicator serializer, which schedules a
 * cache eviction every few seconds forever as soon as serialization starts: on virtual time a run
 * would never go idle. An emulated system never replicates data; this serializer refuses to.
 */
public final class NoReplicationSerializer extends JSerializer {

  @Override
  public int identifier() {
    return 7319;
  }

  @Override
  public boolean includeManifest() {
    return false;
  }

  @Override
  public byte[] toBinary(Object o) {
    throw new IllegalArgumentException("an emulated (single-node) system does not replicate data: " + o.getClass());
  }

  @Override
  public Object fromBinaryJava(byte[] bytes, Class<?> manifest) {
    throw new IllegalArgumentException("an emulated (single-node) system does not replicate data");
  }
}
