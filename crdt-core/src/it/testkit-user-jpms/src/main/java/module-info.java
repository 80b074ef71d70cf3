/** A user's module that defines its own replicated type on Converge. */
module com.example.registers {
    requires io.converge.crdt;

    exports io.converge.crdt.docs;
}
