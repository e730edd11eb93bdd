package com.example.host;

/**
 * The same host destinations, with Camel handing each event to the host's route as it is, as pta-router's own
 * application.properties sets it (camel.main.jmx-management-register-routes-create-by-kamelet=true): what counts as
 * delivered, owed or the host's own does not change.
 */
class EmbeddedDestinationFailureWithoutCopyTest extends EmbeddedDestinationFailureTest {

    @Override
    boolean handsOverWithoutCopy() {
        return true;
    }
}
