package clinic.ingress.clinic;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;

/**
 * Resolves the clinic of an Evolution instance.
 */
@ApplicationScoped
public class ClinicDirectory {

    private final ClinicRepository repository;

    public ClinicDirectory(ClinicRepository repository) {
        this.repository = repository;
    }

    /** The clinic of the instance, or a null item when it is not in the directory. */
    public Uni<Clinic> resolve(String instanceName) {
        return repository.findByInstance(instanceName);
    }
}
