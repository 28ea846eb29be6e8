"""What reproenv knows of CUDA: the versioned data files (`reproenv/data/*.json`, each naming its
source and date), their models and loaders, and the rules over them (driver <-> CUDA, GPU
architecture coverage, which torch wheel a host runs). Pure: no network, no host probe."""
