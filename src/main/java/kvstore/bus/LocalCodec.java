package kvstore.bus;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageCodec;

/**
 * Passes an immutable object through the local event bus by reference: no serialization on the hot
 * path. The bodies sent this way are never mutated after sending. Registered once per type as that
 * type's default codec, or once under {@link #ANY} for messages that name it in their
 * {@link #delivery() delivery options}, whatever their type.
 */
public final class LocalCodec<T> implements MessageCodec<T, T> {
  /** The name of the codec that carries any body by reference. */
  public static final String ANY = "local:any";

  private final String name;

  public LocalCodec(Class<T> type) {
    this.name = "local:" + type.getName();
  }

  private LocalCodec(String name) {
    this.name = name;
  }

  /** The codec registered under {@link #ANY}. */
  public static LocalCodec<Object> any() {
    return new LocalCodec<>(ANY);
  }

  /** Options that send a body of any type by reference (the {@link #ANY} codec must be registered). */
  public static DeliveryOptions delivery() {
    return new DeliveryOptions().setCodecName(ANY);
  }

  @Override
  public void encodeToWire(Buffer buffer, T t) {
    throw new IllegalStateException(name + " is local-only; the event bus is not clustered");
  }

  @Override
  public T decodeFromWire(int pos, Buffer buffer) {
    throw new IllegalStateException(name + " is local-only; the event bus is not clustered");
  }

  @Override
  public T transform(T t) {
    return t;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
