package kvstore.api;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import com.google.protobuf.UnknownFieldSet;
import io.vertx.core.Future;
import io.vertx.grpc.common.CodecException;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.common.WireFormat;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerResponse;
import io.vertx.grpc.server.Service;
import io.vertx.grpc.server.StatusException;
import kv.Kv;
import kv.KeyValueGrpcService;

import java.util.function.Function;

/**
 * Binds {@code kv.KeyValue} to a gRPC server in place of the generated binding, for two answers the
 * generated one gets wrong for clients: a request whose string fields are not UTF-8 fails to parse
 * inside Vert.x, which answers CANCELLED, where a client needs INVALID_ARGUMENT saying why; and
 * Vert.x's encoding of status messages, which Node.js clients cannot read
 * ({@link kvstore.security.GrpcMessageText}).
 */
final class KeyValueBinding implements Service {
  /** Set on a request that did not parse because a string field was not UTF-8; no client field uses it. */
  private static final int NOT_UTF8_FIELD = 536_870_000;
  private static final String NOT_UTF8 = "the request's key, value or another string field is not valid UTF-8";

  private final KeyValueApi api;

  KeyValueBinding(KeyValueApi api) {
    this.api = api;
  }

  @Override
  public ServiceName name() {
    return KeyValueGrpcService.SERVICE_NAME;
  }

  @Override
  public com.google.protobuf.Descriptors.ServiceDescriptor descriptor() {
    return KeyValueGrpcService.SERVICE_DESCRIPTOR;
  }

  @Override
  public void bind(GrpcServer server) {
    unary(server, "Put", Kv.PutRequest.parser(), Kv.PutRequest.newBuilder(), api::put);
    unary(server, "Get", Kv.GetRequest.parser(), Kv.GetRequest.newBuilder(), api::get);
    unary(server, "Delete", Kv.DeleteRequest.parser(), Kv.DeleteRequest.newBuilder(), api::delete);
    unary(server, "CompareAndSet", Kv.CasRequest.parser(), Kv.CasRequest.newBuilder(), api::compareAndSet);
    unary(server, "MultiGet", Kv.MultiGetRequest.parser(), Kv.MultiGetRequest.newBuilder(), api::multiGet);
    unary(server, "Replicate", Kv.PutRequest.parser(), Kv.PutRequest.newBuilder(), api::replicate);
    unary(server, "GetChunkHash", Kv.ChunkRequest.parser(), Kv.ChunkRequest.newBuilder(), api::getChunkHash);
    // a range request carries no strings: the generated binding answers it as well as we would
    KeyValueGrpcService.builder(api).bind(KeyValueGrpcService.FetchRange).build().bind(server);
  }

  private <Q extends Message, R extends Message> void unary(GrpcServer server, String method, Parser<Q> parser, Message.Builder marked,
                                                            Function<Q, Future<R>> call) {
    Q notUtf8 = (Q) marked.setUnknownFields(UnknownFieldSet.newBuilder()
        .addField(NOT_UTF8_FIELD, UnknownFieldSet.Field.newBuilder().addVarint(1).build()).build()).build();
    GrpcMessageDecoder<Q> decoder = new GrpcMessageDecoder<>() {
      @Override
      public Q decode(io.vertx.grpc.common.GrpcMessage msg) throws CodecException {
        try {
          return parser.parseFrom(msg.payload().getBytes());
        } catch (InvalidProtocolBufferException e) {
          if (e.getMessage() != null && e.getMessage().contains("UTF-8")) {
            return notUtf8;
          }
          throw new CodecException(e);
        }
      }

      @Override
      public boolean accepts(WireFormat format) {
        return format == WireFormat.PROTOBUF;
      }
    };
    ServiceMethod<Q, R> m = ServiceMethod.server(KeyValueGrpcService.SERVICE_NAME, method, GrpcMessageEncoder.encoder(), decoder);
    server.callHandler(m, req -> req.handler(msg -> {
      Future<R> answer = msg == notUtf8 ? Future.failedFuture(new StatusException(GrpcStatus.INVALID_ARGUMENT, NOT_UTF8)) : call.apply(msg);
      answer.onComplete(ar -> {
        if (ar.succeeded()) {
          req.response().end(ar.result());
        } else {
          fail(req.response(), ar.cause());
        }
      });
    }));
  }

  private static void fail(GrpcServerResponse<?, ?> response, Throwable err) {
    if (!(err instanceof StatusException s)) {
      response.fail(err);
      return;
    }
    if (s.message() != null) {
      // set before Vert.x would encode it: it leaves a grpc-message it finds in place
      response.trailers().set("grpc-message", kvstore.security.GrpcMessageText.encode(s.message()));
    }
    response.status(s.status()).end();
  }
}
