package io.leasecr.node.cluster;

import com.google.protobuf.InvalidProtocolBufferException;
import io.leasecr.proto.wire.RestoreBatch;
import io.leasecr.proto.wire.RestoreBatchDone;
import java.io.NotSerializableException;
import java.util.List;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * Protobuf serialization of a restart's batches ({@link RestoreBatches}: wire.proto's RestoreBatch and
 * RestoreBatchDone), between the drill's driver and a node. Registered in cluster-node.conf. A message that
 * does not parse, or names a stage this build does not know, is refused here with what is wrong; one that
 * parses but does not hold together is refused by the fan-out, which answers with why.
 */
public final class RestoreBatchSerializer extends SerializerWithStringManifest {

  /** Registered in cluster-node.conf; must never change. */
  public static final int IDENTIFIER = 7320;
  static final String BATCH = "restore-batch";
  static final String DONE = "restore-batch-done";

  private final ExtendedActorSystem system;
  private volatile ActorRefResolver resolver;

  public RestoreBatchSerializer(ExtendedActorSystem system) {
    this.system = system;
  }

  private ActorRefResolver resolver() {
    ActorRefResolver r = resolver;
    if (r == null) {
      r = resolver = ActorRefResolver.get(Adapter.toTyped(system));
    }
    return r;
  }

  @Override
  public int identifier() {
    return IDENTIFIER;
  }

  @Override
  public String manifest(Object o) {
    if (o instanceof RestoreBatches.Batch) {
      return BATCH;
    }
    if (o instanceof RestoreBatches.Done) {
      return DONE;
    }
    throw new IllegalArgumentException("no restore-batch manifest for " + o.getClass().getName());
  }

  @Override
  public byte[] toBinary(Object o) {
    if (o instanceof RestoreBatches.Batch b) {
      RestoreBatch.Builder p = RestoreBatch.newBuilder().setBatch(b.batch())
          .setStage(b.stage() == RestoreBatches.Stage.TABLES ? RestoreBatch.Stage.TABLES : RestoreBatch.Stage.PROCESSES)
          .setImage(b.image()).addAllInos(b.inos()).addAllPids(b.pids()).setCriu(b.criu()).setAnswerMs(b.answerMs());
      if (b.policy() != null) {
        p.setPolicy(b.policy());
      }
      if (b.replyTo() != null) {
        p.setReplyTo(resolver().toSerializationFormat(b.replyTo()));
      }
      return p.build().toByteArray();
    }
    if (o instanceof RestoreBatches.Done d) {
      return RestoreBatchDone.newBuilder().setBatch(d.batch()).setNode(d.node()).addAllRestoredInos(d.restoredInos())
          .addAllRunning(d.running()).addAllNotRunning(d.notRunning()).setRefused(d.refused()).setNodeMs(d.nodeMs())
          .setWaitedMs(d.waitedMs()).build().toByteArray();
    }
    throw new IllegalArgumentException("not a restore batch: " + o.getClass().getName());
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    try {
      return switch (manifest) {
        case BATCH -> batch(RestoreBatch.parseFrom(bytes));
        case DONE -> {
          RestoreBatchDone d = RestoreBatchDone.parseFrom(bytes);
          yield new RestoreBatches.Done(d.getBatch(), d.getNode(), List.copyOf(d.getRestoredInosList()),
              List.copyOf(d.getRunningList()), List.copyOf(d.getNotRunningList()), d.getRefused(), d.getNodeMs(),
              d.getWaitedMs());
        }
        default -> throw new NotSerializableException("unknown restore-batch manifest '" + manifest + "'");
      };
    } catch (InvalidProtocolBufferException e) {
      throw new NotSerializableException("corrupt " + manifest + " message: " + e.getMessage());
    }
  }

  private RestoreBatches.Batch batch(RestoreBatch p) throws NotSerializableException {
    RestoreBatches.Stage stage = switch (p.getStage()) {
      case TABLES -> RestoreBatches.Stage.TABLES;
      case PROCESSES -> RestoreBatches.Stage.PROCESSES;
      default -> throw new NotSerializableException("restore batch " + p.getBatch() + ": unknown stage "
          + p.getStageValue() + " (TABLES or PROCESSES)");
    };
    ActorRef<RestoreBatches.Done> replyTo = p.getReplyTo().isEmpty() ? null : resolver().resolveActorRef(p.getReplyTo());
    return new RestoreBatches.Batch(p.getBatch(), stage, p.getImage(), List.copyOf(p.getInosList()),
        List.copyOf(p.getPidsList()), p.getPolicy(), p.getCriu(), p.getAnswerMs(), replyTo);
  }
}
